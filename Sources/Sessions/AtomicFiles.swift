import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File writes that a crash cannot tear: bytes go to a temporary file in the target's directory,
/// are flushed to disk, and the file is then renamed (or linked) into place; the directory is
/// flushed after, so the new name itself survives a power cut.
enum AtomicFiles {
    /// Temporary files start with a dot and end in this suffix; leftovers of an interrupted
    /// write are recognised by it and removed by the next save.
    static let temporarySuffix = ".tmp"

    /// Writes `bytes` to `path`. With `replacing`, an existing file is replaced in one step;
    /// without it, an existing file is never touched and `outputExists` is thrown.
    /// - Parameter syncDirectory: flush the directory afterwards (callers writing several files
    ///   may do it once at the end instead).
    static func write(_ bytes: some ContiguousBytes, to path: String, replacing: Bool, syncDirectory: Bool = true) throws(SessionError) {
        let (directory, base) = split(path)
        let temporary = directory + "/." + base + ".\(getpid()).\(UInt32.random(in: 0 ... .max))" + temporarySuffix
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: errnoText()) }
        var failure: String? = nil
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errnoText()
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = errnoText() }
        if close(descriptor) != 0 && failure == nil { failure = errnoText() }
        if failure == nil {
            if replacing {
                if rename(temporary, path) != 0 { failure = errnoText() }
            } else {
                failure = linkWithoutReplacing(temporary, path)
                unlink(temporary)
                if failure == "exists" { throw .outputExists(path: path) }
            }
        }
        if let failure {
            unlink(temporary)
            throw .writeFailed(path: path, reason: failure)
        }
        if syncDirectory { try sync(directory: directory) }
    }

    /// Puts `temporary` at `path` unless something is there already: `link` fails rather than
    /// replace, so two exports racing for one name cannot overwrite each other. Filesystems
    /// without hard links fall back to a check and a rename.
    private static func linkWithoutReplacing(_ temporary: String, _ path: String) -> String? {
        if link(temporary, path) == 0 { return nil }
        if errno == EEXIST { return "exists" }
        if errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP || errno == EXDEV || errno == EMLINK {
            var info = stat()
            if lstat(path, &info) == 0 { return "exists" }
            return rename(temporary, path) == 0 ? nil : errnoText()
        }
        return errnoText()
    }

    /// Flushes a directory's entries (new and renamed names) to disk.
    static func sync(directory: String) throws(SessionError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .writeFailed(path: directory, reason: errnoText()) }
        defer { close(descriptor) }
        // Some filesystems refuse fsync on directories (EINVAL); their renames are durable anyway.
        if fsync(descriptor) != 0 && errno != EINVAL {
            throw .writeFailed(path: directory, reason: errnoText())
        }
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

    /// Reads a whole file of at most `limit` bytes.
    static func read(_ path: String, limit: Int) throws(SessionError) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: errnoText()) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .unreadable(path: path, reason: errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        guard Int(info.st_size) <= limit else { throw .tooLarge(path: path, bytes: Int(info.st_size), limit: limit) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: errnoText())
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0 ..< count])
            if data.count > limit { throw .tooLarge(path: path, bytes: data.count, limit: limit) }
        }
        return data
    }

    static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

/// An exclusive advisory lock (`flock`) on a file, held until `release()` or the process ends
/// (even by `kill -9`), so two omnichat processes never write one session at once.
final class FileLock {
    private var descriptor: Int32

    /// Takes the lock or throws `sessionInUse` (`sessionPath` names the session).
    init(path: String, sessionPath: String) throws(SessionError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: errnoText()) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
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

// Thin names for POSIX calls that methods named `read`/`write` would shadow.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// `strerror(errno)` as a Swift string.
func errnoText() -> String {
    String(cString: strerror(errno))
}
