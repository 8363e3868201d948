import CKernels

// MARK: - y = x · Wᵀ for every weight format

/// Reusable buffers for products with q8/q4 weights, which quantize their activations first.
/// One per forward pass (not shared between threads); grows to the largest product and then
/// allocates nothing more.
public final class ProductWorkspace {
    private var values = UnsafeMutablePointer<Int8>.allocate(capacity: 1)
    private var groupedValues = UnsafeMutablePointer<Int8>.allocate(capacity: 1)
    private var scales = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var scaledSums = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var quadScales = UnsafeMutablePointer<Float>.allocate(capacity: 4)
    private var capacity = 0
    private var roundedValues = UnsafeMutablePointer<UInt16>.allocate(capacity: 1)
    private var roundedCapacity = 0
    private var packedPairs = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private var packedCapacity = 0

    public init() {}

    deinit {
        values.deallocate()
        groupedValues.deallocate()
        scales.deallocate()
        scaledSums.deallocate()
        quadScales.deallocate()
        roundedValues.deallocate()
        packedPairs.deallocate()
    }

    /// The bf16 activation buffer, grown to hold at least `count` values.
    private func roundedStorage(count: Int) -> UnsafeMutablePointer<UInt16> {
        if count > roundedCapacity {
            roundedValues.deallocate()
            roundedValues = .allocate(capacity: count)
            roundedCapacity = count
        }
        return roundedValues
    }

    /// `rows` × `inDim` activations rounded to bf16 (nearest even), for the bf16 prefill product;
    /// rows are split between the cores (done on one, the rounding cost a prefill 3% of its time
    /// with the other core idle).
    func bf16Activations(for x: UnsafePointer<Float>, rows: Int, inDim: Int) -> UnsafePointer<UInt16> {
        let rounded = roundedStorage(count: rows * inDim)
        parallelChunks(count: rows, minChunk: 16) { range in
            let start = range.lowerBound * inDim
            ok_f32_to_bf16(x + start, rounded + start, Int64(range.count * inDim))
        }
        return UnsafePointer(rounded)
    }

    /// bf16 activations (`rows` × `inDim`, inDim a multiple of 32) laid out for the matrix unit's
    /// product (`ok_pack_bf16_pairs`), row groups split between the cores.
    func packedPairs(for rounded: UnsafePointer<UInt16>, rows: Int, inDim: Int) -> UnsafePointer<UInt32> {
        let groups = (rows + 15) / 16, needed = groups * 16 * inDim / 2
        if needed > packedCapacity {
            packedPairs.deallocate()
            packedPairs = .allocate(capacity: needed)
            packedCapacity = needed
        }
        let packed = packedPairs
        parallelChunks(count: groups, minChunk: 2) { range in
            ok_pack_bf16_pairs(rounded, Int32(rows), Int64(inDim), Int32(range.lowerBound), Int32(range.upperBound), packed)
        }
        return UnsafePointer(packed)
    }

    /// `rows` × `inDim` activations split into high and low bf16 halves (see
    /// `ok_f32_to_bf16_split`), for the bf16 decode product.
    func splitBF16Activations(for x: UnsafePointer<Float>, rows: Int, inDim: Int)
        -> (high: UnsafePointer<UInt16>, low: UnsafePointer<UInt16>)
    {
        let needed = rows * inDim, halves = roundedStorage(count: needed * 2)
        ok_f32_to_bf16_split(x, halves, halves + needed, Int64(needed))
        return (UnsafePointer(halves), UnsafePointer(halves + needed))
    }

    /// Quantized activations for `rows` × `inDim` (inDim a multiple of 32); with `forQ4`, also
    /// in the grouped order the q4 kernels read.
    func activations(for x: UnsafePointer<Float>, rows: Int, inDim: Int, forQ4: Bool) -> ok_quantized_activations {
        let needed = rows * inDim
        if needed > capacity {
            values.deallocate()
            groupedValues.deallocate()
            scales.deallocate()
            scaledSums.deallocate()
            quadScales.deallocate()
            let blocks = Swift.max(1, needed / quantizationBlock)
            values = .allocate(capacity: needed)
            groupedValues = .allocate(capacity: needed)
            scales = .allocate(capacity: blocks)
            scaledSums = .allocate(capacity: blocks)
            quadScales = .allocate(capacity: blocks * 4)
            capacity = needed
        }
        let prepared = ok_quantized_activations(
            values: values, scales: scales, scaled_sums: scaledSums, grouped_values: groupedValues, quad_scales: quadScales)
        ok_quantize_activations(x, Int32(rows), Int64(inDim), prepared, forQ4 ? 1 : 0)
        return prepared
    }
}

/// y = x · wᵀ, the product a PyTorch `Linear` computes, for weights in any ``WeightFormat``.
///
/// - x: (rows, inDim) activations, row-major. y: (rows, outDim), overwritten.
///
/// Threads split the output rows; up to four activation rows share each read of a weight row
/// (decoding with guidance rows reads the weights once). With q8/q4 weights the activations are
/// first quantized to 8-bit blocks in `workspace`. With bf16 weights and more rows than a decode
/// step has (a prefill chunk), on a CPU with the bf16 dot-product instruction, the activations
/// are rounded to bf16 too and multiplied in register tiles at twice the float32 rate — the
/// precision transformers and llama.cpp use for bf16 models. A single-row decode step on such a
/// CPU splits its activations into two bf16 halves (about 16 significant bits together) and runs
/// the same instruction twice per weight load, never widening the weights; decode steps with
/// guidance rows keep float32 activations (there the widening is shared by the rows, and the
/// second product per row made pictures of the built-in model slower).
/// With `outputs`, only those columns of y are written (the others are left as they are) and only
/// those rows of w are read: the output head restricted to the picture codes, say.
/// Precondition: pointers valid for the sizes given; `y` does not alias `x`; `outputs` within
/// `0..<w.outDim`.
public func matmulTransposed(
    x: UnsafePointer<Float>, rows: Int, w: WeightMatrix, y: UnsafeMutablePointer<Float>,
    workspace: ProductWorkspace, outputs: Range<Int>? = nil
) {
    let span = outputs ?? 0 ..< w.outDim
    precondition(span.lowerBound >= 0 && span.upperBound <= w.outDim, "matmulTransposed: outputs outside the matrix")
    guard rows > 0, !span.isEmpty else { return }
    let outDim = w.outDim, inDim = Int64(w.inDim), ldy = Int64(outDim), rowCount = Int32(rows)
    let first = span.lowerBound
    let bytesPerRow = Swift.max(1, w.byteCount / outDim)
    let minChunk = Swift.max(1, 65_536 / bytesPerRow)
    /// Runs `kernel(o0, o1)` over the span's output rows, split between threads.
    func eachChunk(_ kernel: (Int64, Int64) -> Void) {
        parallelChunks(count: span.count, minChunk: minChunk) { range in
            kernel(Int64(first + range.lowerBound), Int64(first + range.upperBound))
        }
    }
    switch w.format {
    case .f32:
        let weights = UnsafePointer(w.values.assumingMemoryBound(to: Float.self))
        eachChunk { o0, o1 in ok_matvec_f32(x, rowCount, inDim, weights, o0, o1, y, ldy) }
    case .bf16 where rows > bf16ProductMinimumRows && KernelLevel.current == .amx && w.inDim % 32 == 0:
        let weights = UnsafePointer(w.values.assumingMemoryBound(to: UInt16.self))
        let rounded = workspace.bf16Activations(for: x, rows: rows, inDim: w.inDim)
        let packed = workspace.packedPairs(for: rounded, rows: rows, inDim: w.inDim)
        // Chunks of whole 16-output tiles.
        parallelChunks(count: (span.count + 15) / 16, minChunk: Swift.max(1, minChunk / 16)) { range in
            let o0 = Int64(first + range.lowerBound * 16), o1 = Int64(Swift.min(span.upperBound, first + range.upperBound * 16))
            ok_amx_gemm_bf16(packed, rounded, rowCount, inDim, weights, o0, o1, y, ldy)
        }
    case .bf16 where rows > bf16ProductMinimumRows && KernelLevel.current >= .avx512bf16:
        let weights = UnsafePointer(w.values.assumingMemoryBound(to: UInt16.self))
        let rounded = workspace.bf16Activations(for: x, rows: rows, inDim: w.inDim)
        // Chunks of whole 4-row tiles.
        parallelChunks(count: (span.count + 3) / 4, minChunk: Swift.max(1, minChunk / 4)) { range in
            let o0 = Int64(first + range.lowerBound * 4), o1 = Int64(Swift.min(span.upperBound, first + range.upperBound * 4))
            ok_gemm_bf16(rounded, rowCount, inDim, weights, o0, o1, y, ldy)
        }
    case .bf16 where rows == 1 && KernelLevel.current >= .avx512bf16:
        let weights = UnsafePointer(w.values.assumingMemoryBound(to: UInt16.self))
        let (high, low) = workspace.splitBF16Activations(for: x, rows: rows, inDim: w.inDim)
        eachChunk { o0, o1 in ok_matvec_bf16_split(high, low, rowCount, inDim, weights, o0, o1, y, ldy) }
    case .bf16:
        let weights = UnsafePointer(w.values.assumingMemoryBound(to: UInt16.self))
        eachChunk { o0, o1 in ok_matvec_bf16(x, rowCount, inDim, weights, o0, o1, y, ldy) }
    case .q8, .q4:
        let activations = workspace.activations(for: x, rows: rows, inDim: w.inDim, forQ4: w.format == .q4)
        let weights = UnsafePointer(w.values.assumingMemoryBound(to: UInt8.self))
        let scales = UnsafePointer(w.scales!)
        let isQ8 = w.format == .q8
        eachChunk { o0, o1 in
            if isQ8 {
                ok_matvec_q8(activations, rowCount, inDim, weights, scales, o0, o1, y, ldy)
            } else {
                ok_matvec_q4(activations, rowCount, inDim, weights, scales, o0, o1, y, ldy)
            }
        }
    }
}

/// Products with more activation rows than this (prefill chunks) take the bf16 dot-product path
/// with bf16 weights; decode steps (one row, or one per guidance row) stay in float32.
public let bf16ProductMinimumRows = 4

/// Which kernels run: the portable C ones, AVX2, AVX-512, AVX-512 plus the bf16 dot-product
/// prefill, or that prefill on the matrix unit (AMX) (chosen at start from the CPU;
/// `OMNICHAT_KERNELS=portable`, `avx2`, `avx512` or `avx512bf16` caps the level, for comparisons).
public enum KernelLevel: Int32, Sendable, Comparable, CustomStringConvertible {
    case portable = 0
    case avx2 = 1
    case avx512 = 2
    case avx512bf16 = 3
    case amx = 4

    public static func < (a: KernelLevel, b: KernelLevel) -> Bool { a.rawValue < b.rawValue }

    /// The level in use.
    public static var current: KernelLevel { KernelLevel(rawValue: ok_kernel_level()) ?? .portable }
    /// The best level this CPU supports.
    public static var best: KernelLevel { KernelLevel(rawValue: ok_best_kernel_level()) ?? .portable }
    /// Switches level (capped at ``best``); for tests and benchmarks comparing the two.
    public static func use(_ level: KernelLevel) { ok_set_kernel_level(level.rawValue) }

    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx2: "avx2"
        case .avx512: "avx512"
        case .avx512bf16: "avx512+bf16"
        case .amx: "avx512+bf16+amx"
        }
    }
}
