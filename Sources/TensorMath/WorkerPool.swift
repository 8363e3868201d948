import CKernels
import Dispatch
import Foundation
import Synchronization

/// Threads that stay awake between the many short parallel loops of a forward pass.
///
/// A decoded token runs a few dozen matrix products, each split across the cores; handing each
/// one to Dispatch costs tens of microseconds of wake-up, as much as a small product itself.
/// These workers spin for a short while after each loop (so the next one starts at once) and
/// then sleep, so an idle chat uses no CPU. One loop runs at a time; a caller that finds the
/// pool busy (another thread's loop, or a loop nested inside one) uses Dispatch instead.
///
/// Chunks are claimed from an atomic counter, so each runs exactly once, and `run` returns only
/// after every chunk has finished: the loop body never outlives the call.
final class WorkerPool: @unchecked Sendable {
    /// The process-wide pool: one worker per core besides the calling thread;
    /// `OMNICHAT_WORKER_POOL=off` leaves it empty, so every loop goes to Dispatch.
    ///
    /// Its spin-waits yield the core every 32 pauses, so a thread that is ready to run (the UI,
    /// a test, a build beside it) gets a core at once; on small models it doubles decode speed.
    static let shared = WorkerPool(
        workers: ProcessInfo.processInfo.environment["OMNICHAT_WORKER_POOL"] == "off" ? 0 : ThreadCount.current - 1)

    /// How long an idle worker spins before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    private let workers: Int
    /// Whether a loop is running (an atomic flag rather than a mutex: ThreadSanitizer sees
    /// atomics compiled into this module, not the standard library's mutex internals).
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    /// The next chunk to claim, tagged with its loop's generation (`tagged`), and the loop's chunk
    /// count, tagged the same way. A worker that claims a chunk just as one loop ends and the
    /// next begins gets the old loop's tag, and the count's new tag turns it away: checked
    /// against the new count alone, its stale index ran a chunk twice and let the loop end while
    /// a chunk still ran.
    private let nextChunk = Atomic<Int>(0)
    private let chunkCount = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let wakeUp = DispatchSemaphore(value: 0)
    /// The loop body of the current generation; written before the generation is published and
    /// read only by a thread holding a valid chunk of it.
    private var body: ((Int) -> Void)?

    init(workers: Int) {
        self.workers = max(0, workers)
        for index in 0..<self.workers {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "omnichat-worker-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs `chunk(i)` for i in 0..<count on the workers and the calling thread. Returns false,
    /// running nothing, when the pool has no workers or is running another loop.
    func run(count: Int, _ chunk: (Int) -> Void) -> Bool {
        guard workers > 0 else { return false }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(chunk) { chunk in
            body = chunk
            let loop = generation.load(ordering: .relaxed) &+ 1
            unfinished.store(count, ordering: .relaxed)
            chunkCount.store(Self.tagged(count, loop), ordering: .releasing)
            nextChunk.store(Self.tagged(0, loop), ordering: .releasing)
            generation.store(loop, ordering: .releasing)
            let sleeping = sleepers.load(ordering: .acquiring)
            for _ in 0..<min(sleeping, workers) { wakeUp.signal() }
            runChunks()
            var spins = 0
            while unfinished.load(ordering: .acquiring) > 0 { Self.pause(&spins) }
            body = nil
        }
        return true
    }

    /// One step of a spin-wait: a CPU pause, and every 32nd step a yield of the core, so a thread
    /// that is ready to run (the UI, the task reading the reply) gets it at once instead of
    /// waiting for the spinner's time slice to end. With nothing else ready the yield returns
    /// in well under a microsecond.
    @inline(__always)
    static func pause(_ spins: inout Int) {
        ok_cpu_relax()
        spins &+= 1
        if spins & 31 == 0 { sched_yield() }
    }

    /// `value` (below 2^32) with the low 31 bits of the loop's generation above it.
    @inline(__always)
    static func tagged(_ value: Int, _ loop: Int) -> Int { (loop & 0x7FFF_FFFF) << 32 | value }

    /// Claims and runs chunks until none is left.
    private func runChunks() {
        while true {
            let claim = nextChunk.add(1, ordering: .acquiringAndReleasing).oldValue
            let count = chunkCount.load(ordering: .acquiring)
            guard claim >> 32 == count >> 32, claim & 0xFFFF_FFFF < count & 0xFFFF_FFFF else { return }
            body?(claim & 0xFFFF_FFFF)
            unfinished.subtract(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spinStart: UInt64 = 0
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                Self.pause(&spins)
                guard spins & 255 == 0 else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                if spinStart == 0 {
                    spinStart = now
                } else if now - spinStart > Self.spinNanoseconds {
                    sleepers.add(1, ordering: .releasing)
                    // Re-check after announcing: a loop published in between is not missed,
                    // and a wake-up meant for an earlier loop only costs one more check.
                    if generation.load(ordering: .acquiring) == seen { wakeUp.wait() }
                    sleepers.subtract(1, ordering: .releasing)
                    spinStart = 0
                }
            }
            seen = generation.load(ordering: .acquiring)
            runChunks()
        }
    }
}
