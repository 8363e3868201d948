#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Thin names for the POSIX calls the reader and writer use (inside the enums, `read` and `write`
// would resolve to their own static methods).

func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

/// `strerror(errno)` as a Swift string.
func errnoDescription() -> String {
    String(cString: strerror(errno))
}
