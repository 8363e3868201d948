import Dispatch
import Foundation

/// Runs `body` for every chunk of `0..<count`, spread over the CPU's cores.
///
/// Work is cut into contiguous ranges of at least `minChunk` items (about four per thread, for
/// load balance), so tiny loops run inline without dispatch overhead. Loops run on
/// `WorkerPool.shared`, whose threads stay awake between the loops of a forward pass; when it is
/// busy (a loop from another thread, or one nested in a loop body) or turned off
/// (`OMNICHAT_WORKER_POOL=off`), Dispatch runs them.
///
///     parallelChunks(count: rows, minChunk: 16) { range in for r in range { ... } }
@inline(__always)
public func parallelChunks(count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let threads = ThreadCount.current
    let chunks = Swift.min(threads * 4, Swift.max(1, count / Swift.max(1, minChunk)))
    if chunks <= 1 || threads <= 1 {
        body(0..<count)
        return
    }
    let per = (count + chunks - 1) / chunks
    let ranOnPool = WorkerPool.shared.run(count: chunks) { c in
        let start = c * per
        let end = Swift.min(count, start + per)
        if start < end { body(start..<end) }
    }
    if ranOnPool { return }
    withoutActuallyEscaping(body) { body in
        let work = ChunkBody(run: body)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = c * per
            let end = Swift.min(count, start + per)
            if start < end { work.run(start..<end) }
        }
    }
}

/// Carries a kernel's loop body into `concurrentPerform`.
///
/// The one `@unchecked Sendable` in the kernels: the bodies write disjoint ranges of buffers
/// the caller owns for the duration of the call, which the type system cannot see.
private struct ChunkBody: @unchecked Sendable {
    let run: (Range<Int>) -> Void
}

/// The number of worker threads the kernels use: the active processor count.
public enum ThreadCount {
    public static let current: Int = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
}
