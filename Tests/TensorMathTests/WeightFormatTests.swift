import CKernels
import Foundation
import Testing
@testable import TensorMath

/// The number formats behind `--weights`: conversions against Swift's own, quantization error
/// within a step, and every product kernel (portable, AVX2 and AVX-512) against a double-precision
/// reference over the same rounded weights.
@Suite struct WeightFormatTests {
    @Test func bfloat16RoundsToNearestEven() {
        let cases: [(UInt32, UInt16)] = [
            (0x3F80_0000, 0x3F80),  // 1.0 exact
            (0x3F80_8000, 0x3F80),  // tie, even stays
            (0x3F81_8000, 0x3F82),  // tie, odd rounds up
            (0x3F80_8001, 0x3F81),  // above the tie
            (0xBF80_7FFF, 0xBF80),  // below the tie, negative
            (0x7F7F_FFFF, 0x7F80),  // largest float rounds to infinity, as in PyTorch
        ]
        for (input, expected) in cases {
            var value = Float(bitPattern: input), out: UInt16 = 0
            ok_f32_to_bf16(&value, &out, 1)
            #expect(out == expected, "bf16 of 0x\(String(input, radix: 16))")
        }
        var nan = Float.nan, out: UInt16 = 0
        ok_f32_to_bf16(&nan, &out, 1)
        #expect(Float(bitPattern: UInt32(out) << 16).isNaN)
    }

    @Test func halfFloatConversionsMatchSwift() {
        for bits in 0...UInt16.max {
            let reference = Float(Float16(bitPattern: bits))
            let ours = ok_f16_to_f32(bits)
            #expect(reference.isNaN ? ours.isNaN : ours == reference, "half 0x\(String(bits, radix: 16))")
        }
        var rng = TestNumbers(state: 99)
        for i in 0..<200_000 {
            // Magnitudes from subnormal halves to beyond the half range, and exact ties.
            let exponent = Float(i % 40 - 26)
            var value = rng.next() * Float.pow2(exponent)
            if i % 7 == 0 { value = Float(Float16(value)) + Float(Float16(value)).ulp / 2 }
            let reference = Float16(value).bitPattern
            #expect(ok_f32_to_f16(value) == reference, "half of \(value)")
        }
    }

    /// Values with an all-zero block and a block of tiny weights among ordinary ones.
    private func quantizationInput() -> [Float] {
        var rng = TestNumbers(state: 5)
        var values = rng.array(6 * 128)
        for i in 0..<quantizationBlock { values[i] = 0 }
        for i in 0..<quantizationBlock { values[64 + i] *= 1e-3 }
        return values
    }

    @Test func q8ErrorIsWithinHalfAStep() {
        let values = quantizationInput(), inDim = 128
        let matrix = WeightMatrix(values: values, outDim: 6, inDim: inDim, format: .q8)
        #expect(matrix.format == .q8)
        for o in 0..<6 {
            let row = matrix.row(o)
            for b in 0..<(inDim / quantizationBlock) {
                let block = (0..<quantizationBlock).map { values[o * inDim + b * quantizationBlock + $0] }
                let step = (block.map(abs).max() ?? 0) / 127
                for j in 0..<quantizationBlock {
                    // Half a step, plus the half-float rounding of the scale (2^-11 relative) at full scale.
                    #expect(abs(row[b * quantizationBlock + j] - block[j]) <= step * 0.5 + step * 127 * 0.001 + 1e-12)
                }
            }
        }
        #expect(matrix.row(0)[0..<quantizationBlock].allSatisfy { $0 == 0 })
    }

    /// q4 searches its scale, so each block's squared error is at most that of plain rounding
    /// with scale = (the weight of largest magnitude) / -8 (llama.cpp's q4_0), and usually less.
    @Test func q4ErrorIsNoWorseThanPlainRounding() {
        let values = quantizationInput(), inDim = 128
        let matrix = WeightMatrix(values: values, outDim: 6, inDim: inDim, format: .q4)
        #expect(matrix.format == .q4)
        var ours = 0.0, plain = 0.0
        for o in 0..<6 {
            let row = matrix.row(o)
            for b in 0..<(inDim / quantizationBlock) {
                let block = (0..<quantizationBlock).map { values[o * inDim + b * quantizationBlock + $0] }
                let extreme = block.max { abs($0) < abs($1) } ?? 0
                let d = Float(Float16(extreme / -8))
                var blockOurs = 0.0, blockPlain = 0.0
                for j in 0..<quantizationBlock {
                    let code = d == 0 ? 0 : Swift.min(7, Swift.max(-8, (block[j] / d).rounded(.toNearestOrEven)))
                    blockPlain += Double(block[j] - d * code) * Double(block[j] - d * code)
                    let e = Double(row[b * quantizationBlock + j] - block[j])
                    blockOurs += e * e
                }
                #expect(blockOurs <= blockPlain * (1 + 1e-5) + 1e-30, "row \(o) block \(b)")
                ours += blockOurs
                plain += blockPlain
            }
        }
        #expect(ours < plain * 0.95, "the scale search should gain on plain rounding: \(ours) vs \(plain)")
        #expect(matrix.row(0)[0..<quantizationBlock].allSatisfy { $0 == 0 })
    }

    @Test func bytesPerWeightFollowTheFormat() {
        let values = [Float](repeating: 0.5, count: 64 * 256)
        let bytes = WeightFormat.allCases.map { WeightMatrix(values: values, outDim: 64, inDim: 256, format: $0).byteCount }
        #expect(bytes == [64 * 256 * 4, 64 * 256 * 2, 64 * 256 + 64 * 8 * 2, 64 * 128 + 64 * 8 * 2])
    }

    @Test func blockedFormatsNeedWholeBlocks() {
        let matrix = WeightMatrix(values: [Float](repeating: 1, count: 3 * 40), outDim: 3, inDim: 40, format: .q4)
        #expect(matrix.format == .bf16)
        #expect(matrix.row(2) == [Float](repeating: 1, count: 40))
    }

    /// x · rowᵀ in double for every (r, o), over the matrix's own rounded weights.
    private func reference(_ x: [Float], rows: Int, _ w: WeightMatrix) -> [Float] {
        let weights = (0..<w.outDim).map { w.row($0) }
        var y = [Float](repeating: 0, count: rows * w.outDim)
        for r in 0..<rows {
            for o in 0..<w.outDim {
                var sum = 0.0
                for i in 0..<w.inDim { sum += Double(x[r * w.inDim + i]) * Double(weights[o][i]) }
                y[r * w.outDim + o] = Float(sum)
            }
        }
        return y
    }

    @Test(arguments: [WeightFormat.f32, .bf16, .q8, .q4], [1, 2, 3, 4, 5, 9])
    func productMatchesReference(format: WeightFormat, rows: Int) {
        for inDim in format.isBlocked ? [96, 512] : [96, 100, 7] {
            var rng = TestNumbers(state: UInt64(rows * 100 + inDim))
            let outDim = 37
            let w = WeightMatrix(values: rng.array(outDim * inDim), outDim: outDim, inDim: inDim, format: format)
            let x = rng.array(rows * inDim)
            var y = [Float](repeating: .nan, count: rows * outDim)
            let workspace = ProductWorkspace()
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    matmulTransposed(x: xp.baseAddress!, rows: rows, w: w, y: yp.baseAddress!, workspace: workspace)
                }
            }
            // f32/bf16 multiply exactly the stored weights; q8/q4 also round the activations to
            // 8-bit blocks (about 0.4% per element), so their bound is looser. The bf16 prefill
            // product rounds the activations to bf16, exactly, before multiplying.
            let bound = format.isBlocked ? 1e-4 : 1e-10
            let roundsActivations = format == .bf16 && rows > bf16ProductMinimumRows && KernelLevel.current >= .avx512bf16
            let expected = reference(roundsActivations ? Self.roundedToBFloat16(x) : x, rows: rows, w)
            #expect(nmse(y, expected) < bound, "\(format) rows \(rows) in \(inDim)")
        }
    }

    /// The AVX2 (level 1) and AVX-512 (level 2) kernels against the portable ones on identical
    /// inputs (where the CPU has them).
    @Test(arguments: [WeightFormat.f32, .bf16, .q8, .q4], [1, 2])
    func vectorKernelsAgreeWithPortableOnes(format: WeightFormat, level: Int) {
        guard ok_best_kernel_level() >= level else { return }
        let avx2 = level == 1
        // 11 blocks: an odd count, so the blocked kernels' single last block runs too.
        let rows = 6, outDim = 45, inDim = format.isBlocked ? 352 : 333
        var rng = TestNumbers(state: 77)
        let w = WeightMatrix(values: rng.array(outDim * inDim), outDim: outDim, inDim: inDim, format: format)
        let x = rng.array(rows * inDim)
        let workspace = ProductWorkspace()
        func run(vectorKernel: Bool) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * outDim)
            x.withUnsafeBufferPointer { xp in
                let xb = xp.baseAddress!
                let activations = format.isBlocked ? workspace.activations(for: xb, rows: rows, inDim: inDim, forQ4: format == .q4) : nil
                out.withUnsafeMutableBufferPointer { yp in
                    let y = yp.baseAddress!, n = Int64(inDim), o1 = Int64(outDim), ldy = Int64(outDim), r = Int32(rows)
                    switch format {
                    case .f32:
                        let wp = w.values.assumingMemoryBound(to: Float.self)
                        !vectorKernel ? ok_portable_matvec_f32(xb, r, n, wp, 0, o1, y, ldy)
                            : avx2 ? ok_avx2_matvec_f32(xb, r, n, wp, 0, o1, y, ldy) : ok_avx512_matvec_f32(xb, r, n, wp, 0, o1, y, ldy)
                    case .bf16:
                        let wp = w.values.assumingMemoryBound(to: UInt16.self)
                        !vectorKernel ? ok_portable_matvec_bf16(xb, r, n, wp, 0, o1, y, ldy)
                            : avx2 ? ok_avx2_matvec_bf16(xb, r, n, wp, 0, o1, y, ldy) : ok_avx512_matvec_bf16(xb, r, n, wp, 0, o1, y, ldy)
                    case .q8:
                        let wp = w.values.assumingMemoryBound(to: UInt8.self)
                        !vectorKernel ? ok_portable_matvec_q8(activations!, r, n, wp, w.scales, 0, o1, y, ldy)
                            : avx2 ? ok_avx2_matvec_q8(activations!, r, n, wp, w.scales, 0, o1, y, ldy)
                            : ok_avx512_matvec_q8(activations!, r, n, wp, w.scales, 0, o1, y, ldy)
                    case .q4:
                        let wp = w.values.assumingMemoryBound(to: UInt8.self)
                        !vectorKernel ? ok_portable_matvec_q4(activations!, r, n, wp, w.scales, 0, o1, y, ldy)
                            : avx2 ? ok_avx2_matvec_q4(activations!, r, n, wp, w.scales, 0, o1, y, ldy)
                            : ok_avx512_matvec_q4(activations!, r, n, wp, w.scales, 0, o1, y, ldy)
                    }
                }
            }
            return out
        }
        let portable = run(vectorKernel: false), vector = run(vectorKernel: true)
        #expect(nmse(vector, portable) < 1e-11, "\(format) level \(level)")
        #expect(!vector.contains { $0.isNaN })
    }

    /// The q4 scale search gives the same bytes on every CPU: its AVX2 and AVX-512 builds against
    /// the portable one.
    /// The AVX2 version takes eight blocks at a time and the rest one by one: 72 blocks, and 15
    /// (eight and seven). Edge cases: NaN of either sign, infinities, an all-zero block,
    /// subnormals, magnitudes beyond the half-float range, values on the code limits.
    @Test(arguments: [(9, 256), (5, 96)])
    func q4QuantizationIsTheSameOnEveryKernelLevel(rows: Int, inDim: Int) {
        var rng = TestNumbers(state: 31)
        var values = rng.array(rows * inDim).map { $0 * $0 * $0 }
        values[5] = .nan
        values[7] = -.nan
        for i in 32..<64 { values[i] = 0 }
        values[70] = .infinity
        for i in 96..<128 { values[i] = Float(i - 112) * 1e-41 }
        for i in 128..<160 { values[i] = Float(i - 144) * 1e5 }
        for i in 160..<192 { values[i] = i % 2 == 0 ? 7 : -8 }
        func quantize(_ run: (UnsafePointer<Float>, Int64, Int64, UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt16>) -> Void)
            -> ([UInt8], [UInt16]) {
            var q = [UInt8](repeating: 0, count: rows * inDim / 2)
            var scales = [UInt16](repeating: 0, count: rows * inDim / quantizationBlock)
            q.withUnsafeMutableBufferPointer { qp in
                scales.withUnsafeMutableBufferPointer { sp in run(values, Int64(rows), Int64(inDim), qp.baseAddress!, sp.baseAddress!) }
            }
            return (q, scales)
        }
        let portable = quantize { ok_portable_quantize_q4($0, $1, $2, $3, $4) }
        if ok_best_kernel_level() >= 1 {
            let avx2 = quantize { ok_avx2_quantize_q4($0, $1, $2, $3, $4) }
            #expect(portable.0 == avx2.0 && portable.1 == avx2.1)
        }
        if ok_best_kernel_level() >= 2 {
            let avx512 = quantize { ok_avx512_quantize_q4($0, $1, $2, $3, $4) }
            #expect(portable.0 == avx512.0 && portable.1 == avx512.1)
        }
    }

    /// Loading converts a bf16 checkpoint's storage straight to the held format; the bytes must
    /// be those of converting the same values as floats, in every format. 700 rows of 64 take
    /// several widening pieces per worker, the last one partial; inDim 48 falls back to bf16.
    @Test(arguments: [(700, 64), (9, 48)])
    func convertingBFloat16StorageEqualsConvertingItsFloats(rows: Int, inDim: Int) {
        var rng = TestNumbers(state: 47)
        var bits = [UInt16](repeating: 0, count: rows * inDim)
        ok_f32_to_bf16(rng.array(rows * inDim).map { $0 * $0 * $0 * 3 }, &bits, Int64(bits.count))
        bits[3] = 0x7FC1  // NaN
        bits[4] = 0xFF80  // -infinity
        bits[5] = 0x0001  // subnormal
        let floats = bits.map { Float(bitPattern: UInt32($0) << 16) }
        for format in WeightFormat.allCases {
            let fromFloats = WeightMatrix(values: floats, outDim: rows, inDim: inDim, format: format)
            let fromBits = bits.withUnsafeBytes {
                WeightMatrix(convertingBFloat16: $0.baseAddress!, outDim: rows, inDim: inDim, format: format)
            }
            #expect(fromBits.format == fromFloats.format)
            let same = memcmp(fromBits.values, fromFloats.values, fromFloats.valueBytes) == 0
            #expect(same, "\(format): weight bytes differ")
            if let a = fromBits.scales, let b = fromFloats.scales {
                #expect(memcmp(a, b, rows * inDim / quantizationBlock * 2) == 0, "\(format): scales differ")
            }
        }
    }

    static func roundedToBFloat16(_ x: [Float]) -> [Float] {
        var bits = [UInt16](repeating: 0, count: x.count)
        ok_f32_to_bf16(x, &bits, Int64(x.count))
        return bits.map { Float(bitPattern: UInt32($0) << 16) }
    }

    /// The bf16 dot-product prefill kernel against the portable one, for every tile shape it has
    /// (1-4 activation rows, whole and partial 4-row output tiles, inputs with a masked tail) and
    /// an output range that starts inside a tile, as a thread's share may.
    @Test(arguments: [1, 3, 4, 5, 8, 11])
    func bf16PrefillKernelAgreesWithPortableOne(rows: Int) {
        guard ok_best_kernel_level() >= 3 else { return }
        for (outDim, inDim) in [(45, 333), (64, 2048), (7, 40)] {
            var rng = TestNumbers(state: UInt64(rows * 1000 + inDim))
            var w = [UInt16](repeating: 0, count: outDim * inDim), x = [UInt16](repeating: 0, count: rows * inDim)
            ok_f32_to_bf16(rng.array(outDim * inDim), &w, Int64(w.count))
            ok_f32_to_bf16(rng.array(rows * inDim), &x, Int64(x.count))
            let o0 = Int64(outDim > 8 ? 3 : 0), o1 = Int64(outDim)
            var portable = [Float](repeating: 0, count: rows * outDim), vector = portable
            ok_portable_gemm_bf16(x, Int32(rows), Int64(inDim), w, o0, o1, &portable, Int64(outDim))
            ok_avx512bf16_gemm_bf16(x, Int32(rows), Int64(inDim), w, o0, o1, &vector, Int64(outDim))
            #expect(nmse(vector, portable) < 1e-11, "rows \(rows) out \(outDim) in \(inDim)")
            // Rows below o0 belong to another thread: left untouched.
            #expect(vector.enumerated().allSatisfy { $0.offset % outDim >= Int(o0) || $0.element == 0 })
        }
    }

    /// The matrix-unit (AMX) prefill kernel against the portable one: row counts that fill and
    /// leave part of a 16-row group or a pair of groups, output ranges with whole 16-output tiles
    /// and a tail (which the level-3 kernel takes) starting inside a tile, inputs past one
    /// 512-input pass, a matrix wider than one block of weights, and a row wider than a block.
    @Test(arguments: [1, 5, 16, 17, 33, 40])
    func amxPrefillKernelAgreesWithPortableOne(rows: Int) {
        guard ok_best_kernel_level() >= 4 else { return }
        for (outDim, inDim) in [(45, 64), (300, 2048), (64, 32), (35, 1056), (40, 17_408)] {
            var rng = TestNumbers(state: UInt64(rows * 1000 + inDim))
            var w = [UInt16](repeating: 0, count: outDim * inDim), x = [UInt16](repeating: 0, count: rows * inDim)
            ok_f32_to_bf16(rng.array(outDim * inDim), &w, Int64(w.count))
            ok_f32_to_bf16(rng.array(rows * inDim), &x, Int64(x.count))
            let groups = (rows + 15) / 16
            var packed = [UInt32](repeating: 0xFFFF_FFFF, count: groups * 16 * inDim / 2)
            ok_pack_bf16_pairs(x, Int32(rows), Int64(inDim), 0, Int32(groups), &packed)
            let o0 = Int64(outDim > 40 ? 3 : 0), o1 = Int64(outDim)
            var portable = [Float](repeating: 0, count: rows * outDim), matrixUnit = portable
            ok_portable_gemm_bf16(x, Int32(rows), Int64(inDim), w, o0, o1, &portable, Int64(outDim))
            ok_amx_gemm_bf16(packed, x, Int32(rows), Int64(inDim), w, o0, o1, &matrixUnit, Int64(outDim))
            #expect(nmse(matrixUnit, portable) < 1e-11, "rows \(rows) out \(outDim) in \(inDim)")
            // Rows below o0 belong to another thread: left untouched.
            #expect(matrixUnit.enumerated().allSatisfy { $0.offset % outDim >= Int(o0) || $0.element == 0 })
        }
    }

    /// Packing in two pieces (as two threads do) gives the layout of one pass.
    @Test func packingByRowGroupsMatchesOnePass() {
        let rows = 37, inDim = 96, groups = 3
        var rng = TestNumbers(state: 9)
        var x = [UInt16](repeating: 0, count: rows * inDim)
        ok_f32_to_bf16(rng.array(rows * inDim), &x, Int64(x.count))
        var whole = [UInt32](repeating: 1, count: groups * 16 * inDim / 2), pieces = whole
        ok_pack_bf16_pairs(x, Int32(rows), Int64(inDim), 0, Int32(groups), &whole)
        ok_pack_bf16_pairs(x, Int32(rows), Int64(inDim), 0, 1, &pieces)
        ok_pack_bf16_pairs(x, Int32(rows), Int64(inDim), 1, Int32(groups), &pieces)
        #expect(whole == pieces)
        // Row 20, inputs 34 and 35 (pair 17: second tile of group 1, pair 1 of it).
        let pair = whole[1 * 16 * inDim / 2 + 1 * 256 + 1 * 16 + 4]
        #expect(pair == UInt32(x[20 * inDim + 34]) | UInt32(x[20 * inDim + 35]) << 16)
        // Padding rows of the last group are zero.
        #expect(whole[2 * 16 * inDim / 2 + 15] == 0)
    }

    /// The AVX2 prefill kernels (f32 and bf16 weights, float32 activations) against the portable
    /// matrix-vector ones: 1-4 activation rows and more, whole and partial 3-row output tiles,
    /// inputs with a scalar tail, an output range that starts inside a tile, and a matrix wider
    /// than one L2 block.
    @Test(arguments: [1, 3, 4, 5, 8, 11])
    func avx2PrefillKernelsAgreeWithPortableOnes(rows: Int) {
        guard ok_best_kernel_level() >= 1 else { return }
        for (outDim, inDim) in [(45, 333), (200, 2048), (7, 40)] {
            var rng = TestNumbers(state: UInt64(rows * 1000 + inDim))
            let x = rng.array(rows * inDim)
            let o0 = Int64(outDim > 8 ? 4 : 0), o1 = Int64(outDim), ldy = Int64(outDim)
            for format in [WeightFormat.f32, .bf16] {
                let weights = WeightMatrix(values: rng.array(outDim * inDim), outDim: outDim, inDim: inDim, format: format)
                var portable = [Float](repeating: 0, count: rows * outDim), vector = portable
                if format == .f32 {
                    let w = weights.values.assumingMemoryBound(to: Float.self)
                    ok_portable_matvec_f32(x, Int32(rows), Int64(inDim), w, o0, o1, &portable, ldy)
                    ok_avx2_gemm_f32(x, Int32(rows), Int64(inDim), w, o0, o1, &vector, ldy)
                } else {
                    let w = weights.values.assumingMemoryBound(to: UInt16.self)
                    ok_portable_matvec_bf16(x, Int32(rows), Int64(inDim), w, o0, o1, &portable, ldy)
                    ok_avx2_gemm_bf16_weights(x, Int32(rows), Int64(inDim), w, o0, o1, &vector, ldy)
                }
                #expect(nmse(vector, portable) < 1e-11, "\(format) rows \(rows) out \(outDim) in \(inDim)")
                #expect(vector.enumerated().allSatisfy { $0.offset % outDim >= Int(o0) || $0.element == 0 })
            }
        }
    }

    /// Split activations hold a float to about 16 significant bits; NaN and infinity stay whole.
    @Test func splitBFloat16HalvesAddUpToTheFloat() {
        var rng = TestNumbers(state: 12)
        var x = rng.array(4096).enumerated().map { $0.element * Float.pow2(Float($0.offset % 60 - 30)) }
        x += [.nan, .infinity, -.infinity, 0, -0.0, .leastNormalMagnitude]
        var high = [UInt16](repeating: 0, count: x.count), low = high
        ok_f32_to_bf16_split(x, &high, &low, Int64(x.count))
        for i in x.indices {
            let h = Float(bitPattern: UInt32(high[i]) << 16), l = Float(bitPattern: UInt32(low[i]) << 16)
            if x[i].isNaN {
                #expect(h.isNaN && l == 0)
            } else if x[i].isInfinite {
                #expect(h == x[i] && l == 0)
            } else {
                #expect(abs(x[i] - (h + l)) <= abs(x[i]) * Float.pow2(-16), "\(x[i]): \(h) + \(l)")
            }
        }
    }

    /// The bf16 decode kernel on split activations against the portable one (1-8 rows, inputs
    /// with 64-, 32- and masked tails, an output range starting inside a tile), and both against
    /// the float32 product: the split keeps float32 precision.
    @Test(arguments: [1, 3, 4, 5, 8])
    func splitBFloat16DecodeKernelAgreesWithPortableOne(rows: Int) {
        for (outDim, inDim) in [(45, 333), (64, 2048), (7, 40), (19, 96)] {
            var rng = TestNumbers(state: UInt64(rows * 1000 + inDim))
            let weights = WeightMatrix(values: rng.array(outDim * inDim), outDim: outDim, inDim: inDim, format: .bf16)
            let w = weights.values.assumingMemoryBound(to: UInt16.self)
            let x = rng.array(rows * inDim)
            var high = [UInt16](repeating: 0, count: x.count), low = high
            ok_f32_to_bf16_split(x, &high, &low, Int64(x.count))
            let o0 = Int64(outDim > 8 ? 3 : 0), o1 = Int64(outDim)
            var portable = [Float](repeating: 0, count: rows * outDim), vector = portable
            ok_portable_matvec_bf16_split(high, low, Int32(rows), Int64(inDim), w, o0, o1, &portable, Int64(outDim))
            var expected = reference(x, rows: rows, weights)
            for i in expected.indices where i % outDim < Int(o0) { expected[i] = 0 }
            #expect(nmse(portable, expected) < 1e-10, "portable rows \(rows) in \(inDim)")
            guard ok_best_kernel_level() >= 3 else { continue }
            ok_avx512bf16_matvec_bf16_split(high, low, Int32(rows), Int64(inDim), w, o0, o1, &vector, Int64(outDim))
            #expect(nmse(vector, portable) < 1e-11, "rows \(rows) out \(outDim) in \(inDim)")
            #expect(vector.enumerated().allSatisfy { $0.offset % outDim >= Int(o0) || $0.element == 0 })
        }
    }
}

private extension Float {
    static func pow2(_ e: Float) -> Float { Float(sign: .plus, exponent: Int(e), significand: 1) }
}
