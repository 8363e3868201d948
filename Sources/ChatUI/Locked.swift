import Foundation

/// A value shared between threads, reached only under a lock.
///
/// Used instead of `Synchronization.Mutex`: on Linux that mutex synchronises inside the standard
/// library, which ThreadSanitizer does not see, so every value it guards was reported as a race
/// (`tools/sanitize.sh thread`). `NSLock` is a pthread mutex, which ThreadSanitizer understands.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`: read and written only inside `withLock`.
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
