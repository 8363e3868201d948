import CKernels

// MARK: - Weight matrices in four storage formats

/// How a weight matrix is held in memory. The engine converts on load from whatever the
/// checkpoint stores; decoding streams these bytes once per token, so fewer bytes are faster.
public enum WeightFormat: String, CaseIterable, Sendable, CustomStringConvertible {
    /// 4 bytes per weight, exact.
    case f32
    /// bfloat16: 2 bytes per weight, float32 with the low 16 mantissa bits rounded away.
    case bf16
    /// Blocks of 32 weights, one signed byte each and a half-float scale: 8.5 bits per weight.
    case q8
    /// Blocks of 32 weights, 4 bits each and a half-float scale: 4.5 bits per weight.
    case q4

    public var description: String { rawValue }

    /// Whether matrices of this format need an input dimension that is a multiple of 32.
    var isBlocked: Bool { self == .q8 || self == .q4 }

    /// The format an (outDim × inDim) matrix asked for in this format is held in: a blocked
    /// format falls back to bf16 when `inDim` is not a multiple of 32.
    public func held(inDim: Int) -> WeightFormat {
        isBlocked && inDim % quantizationBlock != 0 ? .bf16 : self
    }

    /// Bytes of weights and scales an (outDim × inDim) matrix takes in this format (after the
    /// bf16 fallback of ``held(inDim:)``).
    public func byteCount(outDim: Int, inDim: Int) -> Int {
        let format = held(inDim: inDim), count = outDim * inDim
        return format.valueByteCount(count) + (format.isBlocked ? count / quantizationBlock * 2 : 0)
    }

    /// Bytes of `count` weights in this format, without the blocked formats' scales.
    func valueByteCount(_ count: Int) -> Int {
        switch self {
        case .f32: count * 4
        case .bf16: count * 2
        case .q8: count
        case .q4: count / 2
        }
    }
}

/// Weights per block of the q8 and q4 formats.
public let quantizationBlock = Int(OK_BLOCK)

/// An (outDim × inDim) weight matrix in PyTorch `Linear` layout, held in one ``WeightFormat``.
///
/// Immutable after `init`; kernels read it from many threads, hence `@unchecked Sendable`.
/// A blocked format (q8, q4) needs `inDim` to be a multiple of 32; other matrices stay in bf16
/// when q8 or q4 is asked for (``init(values:outDim:inDim:format:)`` reports the format used).
public final class WeightMatrix: @unchecked Sendable {
    public let format: WeightFormat
    public let outDim: Int
    public let inDim: Int
    /// The weights: floats, bf16 bit patterns, or offset bytes (q8: q + 128; q4: two nibbles of q + 8).
    let values: UnsafeMutableRawPointer
    let valueBytes: Int
    /// Half-float scales, one per block (q8 and q4 only).
    let scales: UnsafeMutablePointer<UInt16>?
    /// What keeps borrowed `values` valid (a memory-mapped file); nil when the matrix owns them.
    private let owner: AnyObject?

    /// Converts `values` (outDim × inDim floats, row-major) to `format`. A blocked format with an
    /// input dimension that is not a multiple of 32 falls back to bf16. An array may be passed
    /// directly: the values are copied during the call.
    public convenience init(values source: UnsafePointer<Float>, outDim: Int, inDim: Int, format requested: WeightFormat) {
        self.init(converting: .floats(source), outDim: outDim, inDim: inDim, format: requested)
    }

    /// Converts bf16 bit patterns (outDim × inDim, row-major, 2-byte aligned; a checkpoint's
    /// mapped storage) to `format`, with the same result as converting their float32 values,
    /// but with no float32 copy of the whole matrix and the widening spread over every core.
    /// The storage is only read, and only during the call.
    public convenience init(convertingBFloat16 bits: UnsafeRawPointer, outDim: Int, inDim: Int,
                            format requested: WeightFormat) {
        precondition(Int(bitPattern: bits) % 2 == 0, "WeightMatrix: bf16 storage must be 2-byte aligned")
        self.init(converting: .bfloat16(bits.assumingMemoryBound(to: UInt16.self)),
                  outDim: outDim, inDim: inDim, format: requested)
    }

    /// Where a converting `init` reads its weights from.
    private enum ConversionSource {
        case floats(UnsafePointer<Float>)
        case bfloat16(UnsafePointer<UInt16>)
    }

    /// Floats a worker widens bf16 rows into before quantizing them (64 KiB, within L2).
    private static let widenedFloats = 16_384

    private init(converting source: ConversionSource, outDim: Int, inDim: Int, format requested: WeightFormat) {
        precondition(outDim >= 0 && inDim >= 0, "WeightMatrix: negative shape")
        let format = requested.held(inDim: inDim)
        self.format = format
        self.outDim = outDim
        self.inDim = inDim
        let count = outDim * inDim
        let blocks = format.isBlocked ? count / quantizationBlock : 0
        valueBytes = format.valueByteCount(count)
        guard let memory = ok_allocate_weights(valueBytes) else {
            fatalError("WeightMatrix: out of memory for \(valueBytes) bytes of weights")
        }
        values = memory
        scales = format.isBlocked ? .allocate(capacity: Swift.max(1, blocks)) : nil
        owner = nil
        // Conversion runs over row ranges on every core: quantizing a 7B model is billions of
        // blocks. Each range writes only its own rows and scales.
        let rowBytes = valueBytes / Swift.max(1, outDim), blocksPerRow = inDim / quantizationBlock
        let destination = values, scaleStore = scales
        parallelChunks(count: outDim, minChunk: Swift.max(1, 65_536 / Swift.max(1, inDim))) { rows in
            let output = destination + rows.lowerBound * rowBytes
            let scaleOutput = scaleStore.map { $0 + rows.lowerBound * blocksPerRow }
            switch source {
            case .floats(let floats):
                Self.convert(floats + rows.lowerBound * inDim, rows: rows.count, inDim: inDim, format: format,
                             into: output, scales: scaleOutput)
            case .bfloat16(let bits):
                let input = bits + rows.lowerBound * inDim
                switch format {
                case .f32:
                    ok_bf16_to_f32_array(input, output.assumingMemoryBound(to: Float.self), Int64(rows.count * inDim))
                case .bf16:
                    output.copyMemory(from: input, byteCount: rows.count * inDim * 2)
                case .q8, .q4:
                    // Widen a few rows at a time into a small buffer and quantize them from there.
                    let piece = Swift.max(1, Self.widenedFloats / Swift.max(1, inDim))
                    let widened = UnsafeMutablePointer<Float>.allocate(capacity: piece * inDim)
                    defer { widened.deallocate() }
                    var done = 0
                    while done < rows.count {
                        let n = Swift.min(piece, rows.count - done)
                        ok_bf16_to_f32_array(input + done * inDim, widened, Int64(n * inDim))
                        Self.convert(widened, rows: n, inDim: inDim, format: format,
                                     into: output + done * rowBytes, scales: scaleOutput.map { $0 + done * blocksPerRow })
                        done += n
                    }
                }
            }
        }
    }

    /// Converts `rows` rows of floats to `format` at `output` (and `scales`, for q8 and q4).
    private static func convert(_ input: UnsafePointer<Float>, rows: Int, inDim: Int, format: WeightFormat,
                                into output: UnsafeMutableRawPointer, scales: UnsafeMutablePointer<UInt16>?) {
        switch format {
        case .f32:
            output.copyMemory(from: input, byteCount: rows * inDim * 4)
        case .bf16:
            ok_f32_to_bf16(input, output.assumingMemoryBound(to: UInt16.self), Int64(rows * inDim))
        case .q8:
            ok_quantize_q8(input, Int64(rows), Int64(inDim), output.assumingMemoryBound(to: UInt8.self), scales!)
        case .q4:
            ok_quantize_q4(input, Int64(rows), Int64(inDim), output.assumingMemoryBound(to: UInt8.self), scales!)
        }
    }

    /// A bf16 matrix over bit patterns stored elsewhere (outDim × inDim, row-major, 2-byte
    /// aligned), used in place with no copy; `owner` is kept alive as long as the matrix is.
    /// The storage is only ever read (it may be a read-only file mapping).
    public init(borrowingBFloat16 bits: UnsafeRawPointer, outDim: Int, inDim: Int, owner: AnyObject) {
        precondition(outDim >= 0 && inDim >= 0, "WeightMatrix: negative shape")
        precondition(Int(bitPattern: bits) % 2 == 0, "WeightMatrix: bf16 storage must be 2-byte aligned")
        format = .bf16
        self.outDim = outDim
        self.inDim = inDim
        valueBytes = WeightFormat.bf16.valueByteCount(outDim * inDim)
        values = UnsafeMutableRawPointer(mutating: bits)
        scales = nil
        self.owner = owner
    }

    deinit {
        if owner == nil { ok_free_weights(values) }
        scales?.deallocate()
    }

    /// Whether the weights are used in place in storage the matrix does not own (a file mapping).
    public var isBorrowed: Bool { owner != nil }

    /// Bytes of weights and scales: what one product streams from memory.
    public var byteCount: Int { format.byteCount(outDim: outDim, inDim: inDim) }

    /// Row `o` as the floats the kernels multiply with (the format's rounding included).
    public func row(_ o: Int) -> [Float] {
        precondition(o >= 0 && o < outDim, "WeightMatrix.row: \(o) out of 0..<\(outDim)")
        var out = [Float](repeating: 0, count: inDim)
        out.withUnsafeMutableBufferPointer { buffer in
            guard let destination = buffer.baseAddress else { return }
            switch format {
            case .f32:
                destination.update(from: values.assumingMemoryBound(to: Float.self) + o * inDim, count: inDim)
            case .bf16:
                let bits = values.assumingMemoryBound(to: UInt16.self) + o * inDim
                for i in 0..<inDim { destination[i] = Float(bitPattern: UInt32(bits[i]) << 16) }
            case .q8:
                ok_dequantize_q8_row(values.assumingMemoryBound(to: UInt8.self) + o * inDim,
                                     scales! + o * inDim / quantizationBlock, Int64(inDim), destination)
            case .q4:
                ok_dequantize_q4_row(values.assumingMemoryBound(to: UInt8.self) + o * inDim / 2,
                                     scales! + o * inDim / quantizationBlock, Int64(inDim), destination)
            }
        }
        return out
    }
}
