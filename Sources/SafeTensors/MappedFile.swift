#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory, unmapped when the last reference goes away.
///
/// This is the module's one `@unchecked Sendable` type. It is sound because the mapping is created
/// with `PROT_READ` in `init`, never written through, and released only in `deinit`; `bytes` is a
/// `let`. Reading it from several threads at once is reading immutable memory.
///
/// Like every mmap reader, it trusts that nobody truncates the file while it is mapped (that would
/// raise SIGBUS on access, which no user-space check can prevent).
final class MappedFile: @unchecked Sendable {
    /// The whole file. Empty (and unmapped) for a zero-length file, which `mmap` cannot map.
    let bytes: UnsafeRawBufferPointer
    /// The path as given, for error messages.
    let path: String

    /// Opens and maps `path`. Throws ``SafeTensorsError/cannotOpen(file:reason:)`` with the system's
    /// reason, or ``SafeTensorsError/notARegularFile(file:)`` for directories, devices and pipes.
    init(path: String) throws(SafeTensorsError) {
        self.path = path
        // O_NONBLOCK: opening a named pipe for reading would otherwise wait for a writer forever;
        // this way it opens at once and is refused below. Regular files ignore the flag.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .cannotOpen(file: path, reason: Self.systemMessage()) }
        defer { close(descriptor) }  // The mapping keeps its own reference to the file.

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotOpen(file: path, reason: Self.systemMessage()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile(file: path) }
        guard status.st_size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let size = Int(exactly: status.st_size) else {
            throw .cannotOpen(file: path, reason: "file size \(status.st_size) does not fit in memory")
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw .cannotOpen(file: path, reason: Self.systemMessage())
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    private static func systemMessage() -> String {
        String(cString: strerror(errno))
    }
}
