import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The session layer's file operations: `FileIO`'s torn-write-proof writes and limited reads,
/// with failures as `SessionError`s.
enum AtomicFiles {
    /// Temporary files of interrupted writes are recognised by this suffix.
    static let temporarySuffix = FileIO.temporarySuffix

    /// Writes `bytes` to `path`; without `replacing`, an existing file is never touched and
    /// `outputExists` is thrown.
    static func write(_ bytes: some ContiguousBytes, to path: String, replacing: Bool, syncDirectory: Bool = true) throws(SessionError) {
        do { try FileIO.write(bytes, to: path, replacing: replacing, syncDirectory: syncDirectory) } catch { throw SessionError(error) }
    }

    /// Flushes a directory's entries (new and renamed names) to disk.
    static func sync(directory: String) throws(SessionError) {
        do { try FileIO.sync(directory: directory) } catch { throw SessionError(error) }
    }

    /// Creates one directory (not its parents); false when it exists already.
    static func makeDirectory(_ path: String) throws(SessionError) -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        if errno == EEXIST { return false }
        throw .writeFailed(path: path, reason: errnoText())
    }

    /// Creates a directory and its missing parents.
    static func makeDirectories(_ path: String) throws(SessionError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .dataDirectory(path: path, reason: "cannot create it (\(error.localizedDescription))")
        }
    }

    /// Reads a whole regular file of at most `limit` bytes.
    static func read(_ path: String, limit: Int) throws(SessionError) -> Data {
        do { return Data(try FileIO.read(path, limit: limit)) } catch { throw SessionError(error) }
    }
}

extension SessionError {
    init(_ error: FileIOError) {
        switch error {
        case .exists(let path): self = .outputExists(path: path)
        case let .failed(path, reason): self = .writeFailed(path: path, reason: reason)
        case let .unreadable(path, reason): self = .unreadable(path: path, reason: reason)
        case let .tooLarge(path, bytes, limit): self = .tooLarge(path: path, bytes: bytes, limit: limit)
        }
    }
}

/// An exclusive advisory lock (`flock`) on a file, held until `release()` or the process ends
/// (even by `kill -9`), so two omnichat processes never write one session at once.
final class FileLock {
    private var descriptor: Int32

    /// Takes the lock or throws `sessionInUse` (`sessionPath` names the session).
    ///
    /// A lock this process has just let go of can still be held for a moment: a child being
    /// started (fork, then exec) shares the closed descriptor's open file until its exec closes
    /// it. So a busy lock is tried again for up to `busyWait` seconds before it counts as another
    /// omnichat's, which holds it for as long as it runs.
    init(path: String, sessionPath: String, busyWait: Double = 0.25) throws(SessionError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: errnoText()) }
        var locked = flock(descriptor, LOCK_EX | LOCK_NB) == 0
        var waited = 0.0
        while !locked && errno == EWOULDBLOCK && waited < busyWait {
            usleep(10_000)
            waited += 0.01
            locked = flock(descriptor, LOCK_EX | LOCK_NB) == 0
        }
        if !locked {
            let busy = errno == EWOULDBLOCK
            let reason = errnoText()
            close(descriptor)
            descriptor = -1
            if busy { throw .sessionInUse(path: sessionPath) }
            throw .writeFailed(path: path, reason: reason)
        }
    }

    func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}

func errnoText() -> String { FileIO.errnoText() }
