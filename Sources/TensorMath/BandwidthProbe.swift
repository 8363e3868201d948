import CKernels
import Dispatch

/// Measures how fast this machine streams memory into the cores, the ceiling of decoding speed
/// (every weight is read once per decoded token).
///
/// Reads a buffer much larger than the caches with all threads, as the kernels do, and reports
/// the best of several passes in GB/s (10⁹ bytes per second). The figure changes over time on
/// machines whose bandwidth switches regimes, so benchmarks measure it in the same run as what
/// they compare it with.
///
///     let gbPerSecond = BandwidthProbe.readGBPerSecond()
public enum BandwidthProbe {
    /// Read bandwidth over a `megabytes` buffer, best of `passes`.
    public static func readGBPerSecond(megabytes: Int = 512, passes: Int = 5) -> Double {
        let count = max(1, megabytes) << 18  // floats
        // Memory placed as weight matrices are (huge pages where allowed), so the probe reads
        // under the same conditions as the kernels.
        guard let memory = ok_allocate_weights(count * 4) else { return 0 }
        defer { ok_free_weights(memory) }
        let buffer = memory.bindMemory(to: Float.self, capacity: count)
        // Touch every page first, so the passes measure reading and not page faults.
        buffer.initialize(repeating: 1, count: count)
        var best = 0.0
        var sink: Float = 0
        for _ in 0..<max(1, passes) {
            let start = DispatchTime.now().uptimeNanoseconds
            sink += streamingSum(buffer, count)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, Double(count * 4) / seconds / 1e9)
        }
        // The sum must be used, or the reads could be optimised away.
        return sink.isNaN ? 0 : best
    }

    /// Σ buffer[i], split over the threads like a matrix-vector product.
    private static func streamingSum(_ buffer: UnsafeMutablePointer<Float>, _ count: Int) -> Float {
        let threads = ThreadCount.current
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: threads * 4)
        partial.initialize(repeating: 0, count: threads * 4)
        defer { partial.deallocate() }
        let chunks = threads * 4
        let per = (count + chunks - 1) / chunks
        parallelChunks(count: chunks, minChunk: 1) { range in
            for c in range {
                let start = c * per, end = min(count, start + per)
                guard start < end else { continue }
                let raw = UnsafeRawPointer(buffer + start)
                var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
                var i = 0
                let n = end - start
                while i + 64 <= n {
                    a0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    a1 += raw.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
                    a2 += raw.loadUnaligned(fromByteOffset: i * 4 + 128, as: SIMD16<Float>.self)
                    a3 += raw.loadUnaligned(fromByteOffset: i * 4 + 192, as: SIMD16<Float>.self)
                    i += 64
                }
                var sum = (a0 + a1 + a2 + a3).sum()
                while i < n {
                    sum += buffer[start + i]
                    i += 1
                }
                partial[c] = sum
            }
        }
        var total: Float = 0
        for c in 0..<chunks { total += partial[c] }
        return total
    }
}
