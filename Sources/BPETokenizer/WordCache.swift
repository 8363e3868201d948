import Foundation

/// Remembers the BPE result of recently seen words so chat text, which repeats words a lot, is
/// not merged again and again.
///
/// This is the module's one `@unchecked Sendable` type: its only mutable state, `entries`, is
/// read and written exclusively while `lock` is held, so sharing one cache between concurrent
/// `encode` calls is safe.
final class WordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [[Unicode.Scalar]: [Int]] = [:]
    private let capacity: Int

    /// Words longer than this are not cached (they are rare and would crowd out common words).
    static let maximumWordLength = 256

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func lookup(_ word: [Unicode.Scalar]) -> [Int]? {
        lock.lock()
        defer { lock.unlock() }
        return entries[word]
    }

    func store(_ word: [Unicode.Scalar], _ ids: [Int]) {
        guard word.count <= Self.maximumWordLength else { return }
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[word] = ids
    }
}
