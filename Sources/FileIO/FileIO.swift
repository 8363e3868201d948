import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads with a size limit and writes that a crash cannot tear, with POSIX calls so
/// every failure carries the system's reason.
///
/// A write goes to a temporary file in the target's directory, is flushed to disk, and is then
/// renamed (or, when an existing file must not be replaced, hard-linked) into place; the
/// directory is flushed after, so the new name itself survives a power cut.
///
///     try FileIO.write(bytes, to: "picture.png", replacing: false)   // throws .exists if there
///     let data = try FileIO.read("session.json", limit: 64 << 20)
public enum FileIO {
    /// Temporary files start with a dot and end in this suffix; leftovers of an interrupted
    /// write can be recognised by it.
    public static let temporarySuffix = ".tmp"

    /// Writes `bytes` to `path`. With `replacing`, an existing file is replaced in one step;
    /// without it, an existing file is never touched and `.exists` is thrown.
    /// - Parameter syncDirectory: flush the directory afterwards (callers writing several files
    ///   may do it once at the end instead).
    public static func write(_ bytes: some ContiguousBytes, to path: String, replacing: Bool,
                             syncDirectory: Bool = true) throws(FileIOError) {
        let (directory, base) = split(path)
        let temporary = directory + "/." + base + ".\(getpid()).\(UInt32.random(in: 0 ... .max))" + temporarySuffix
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .failed(path: path, reason: errnoText()) }
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
                if failure == "exists" { throw .exists(path: path) }
            }
        }
        if let failure {
            unlink(temporary)
            throw .failed(path: path, reason: failure)
        }
        if syncDirectory { try sync(directory: directory) }
    }

    /// Puts `temporary` at `path` unless something is there already: `link` fails rather than
    /// replace, so two writers racing for one name cannot overwrite each other. Filesystems
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
    public static func sync(directory: String) throws(FileIOError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .failed(path: directory, reason: errnoText()) }
        defer { close(descriptor) }
        // Some filesystems refuse fsync on directories (EINVAL); their renames are durable anyway.
        if fsync(descriptor) != 0 && errno != EINVAL {
            throw .failed(path: directory, reason: errnoText())
        }
    }

    /// Reads a whole file of at most `limit` bytes. With `regularOnly`, anything but a regular
    /// file is refused (a named pipe at once, without waiting for a writer); otherwise pipes and
    /// devices are read up to the limit. A directory is always refused.
    public static func read(_ path: String, limit: Int, regularOnly: Bool = true) throws(FileIOError) -> [UInt8] {
        // O_NONBLOCK only keeps `open` from waiting on a pipe that will be refused anyway;
        // regular files ignore it.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | (regularOnly ? O_NONBLOCK : 0))
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: errnoText()) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .unreadable(path: path, reason: errnoText()) }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR { throw .unreadable(path: path, reason: "is a directory") }
        if regularOnly && kind != S_IFREG { throw .unreadable(path: path, reason: "not a regular file") }
        if kind == S_IFREG && Int(info.st_size) > limit {
            throw .tooLarge(path: path, bytes: Int(info.st_size), limit: limit)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: errnoText())
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0 ..< count])
            // Pipes, devices and growing files: stop at the limit.
            if bytes.count > limit { throw .tooLarge(path: path, bytes: bytes.count, limit: limit) }
        }
        return bytes
    }

    /// The directory and the last component of `path` ("." for a bare name).
    public static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// `strerror(errno)` as a Swift string.
    public static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// Why a file could not be read or written; each names the path.
public enum FileIOError: Error, Equatable {
    /// The target exists and was not to be replaced.
    case exists(path: String)
    /// Writing failed (the system's reason).
    case failed(path: String, reason: String)
    /// Opening or reading failed (the system's reason).
    case unreadable(path: String, reason: String)
    /// The file holds more than the caller's limit.
    case tooLarge(path: String, bytes: Int, limit: Int)

    /// What went wrong, without the path, for callers whose own errors name the file.
    public var reason: String {
        switch self {
        case .exists: "already exists"
        case .failed(_, let reason), .unreadable(_, let reason): reason
        case .tooLarge(_, let bytes, let limit): "\(bytes) bytes, more than \(limit)"
        }
    }
}

// Inside `FileIO`, `read` and `write` would resolve to its own static methods.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
