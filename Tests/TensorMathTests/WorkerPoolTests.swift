import Foundation
import Synchronization
import Testing
@testable import TensorMath

/// The worker pool runs every chunk of a loop exactly once and returns only after the last one,
/// also when loops follow each other back to back (a worker still claiming from the loop that
/// just ended must not take a chunk of the next one).
@Suite struct WorkerPoolTests {
    @Test func backToBackLoopsRunEachChunkExactlyOnce() {
        let pool = WorkerPool(workers: 6)
        let hits = Mutex([Int](repeating: 0, count: 16))
        var wrong = 0
        for loop in 0 ..< 100_000 {
            let count = 1 + loop % 16
            hits.withLock { $0 = [Int](repeating: 0, count: 16) }
            #expect(pool.run(count: count) { index in hits.withLock { $0[index] += 1 } })
            let seen = hits.withLock { $0 }
            if seen[..<count].contains(where: { $0 != 1 }) || seen[count...].contains(where: { $0 != 0 }) { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) of 100,000 loops ran a chunk other than once")
    }
}
