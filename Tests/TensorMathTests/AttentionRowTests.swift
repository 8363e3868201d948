import CKernels
import Foundation
import Testing
@testable import TensorMath

/// The attention kernel (scores, softmax, weighted values for one query of one head) against a
/// double-precision reference, in every implementation the CPU runs, for head sizes with and without a
/// partial vector and spans that do and do not fill the eight-key steps and the 64-key blocks of
/// the weighted sum.
@Suite struct AttentionRowTests {
    func reference(_ q: [Float], _ keys: [Float], _ values: [Float], hd: Int, stride: Int, span: Int, scale: Float) -> [Float] {
        var scores = (0..<span).map { s in (0..<hd).reduce(0.0) { $0 + Double(q[$1]) * Double(keys[s * stride + $1]) } * Double(scale) }
        let top = scores.max() ?? 0
        scores = scores.map { exp($0 - top) }
        let total = scores.reduce(0, +)
        return (0..<hd).map { d in Float((0..<span).reduce(0.0) { $0 + scores[$1] / total * Double(values[$1 * stride + d]) }) }
    }

    @Test(arguments: [(128, 1), (128, 37), (64, 5), (40, 8), (24, 3), (136, 150)])
    func bothImplementationsMatchTheReference(hd: Int, span: Int) {
        var rng = TestNumbers(state: UInt64(hd * 100 + span))
        let stride = hd * 3  // keys of other heads in between, as in the cache
        let q = rng.array(hd), keys = rng.array(span * stride), values = rng.array(span * stride)
        let expected = reference(q, keys, values, hd: hd, stride: stride, span: span, scale: 0.3)
        for (level, scores, out) in float32Rows(q, keys, values, hd: hd, stride: stride, span: span, scale: 0.3) {
            #expect(nmse(out, expected) < 1e-10, "hd \(hd) span \(span) level \(level)")
            #expect(abs(scores.reduce(0, +) - 1) < 1e-5)
        }
    }

    /// (level, probabilities, output) of the float32-cache kernel of every level the CPU runs.
    func float32Rows(_ q: [Float], _ keys: [Float], _ values: [Float], hd: Int, stride: Int, span: Int,
                     scale: Float) -> [(Int32, [Float], [Float])] {
        (0...2).filter { $0 <= ok_best_kernel_level() }.map { level in
            var scores = [Float](repeating: .nan, count: span), out = [Float](repeating: .nan, count: hd)
            let row = level == 0 ? ok_portable_attention_row : level == 1 ? ok_avx2_attention_row : ok_avx512_attention_row
            row(q, Int64(hd), keys, values, Int64(stride), Int64(span), scale, &scores, &out)
            return (level, scores, out)
        }
    }

    /// Scores far apart (a large scale): most probabilities underflow, which the vectorised
    /// exponentials must give as 0 (and not as garbage from the exponent bits); spans with and
    /// without a partial eight-key step.
    @Test(arguments: [(64, 37), (64, 64), (32, 9)])
    func aSharpSoftmaxMatchesTheReference(hd: Int, span: Int) {
        var rng = TestNumbers(state: UInt64(hd * 31 + span))
        let q = rng.array(hd).map { $0 * 40 }, keys = rng.array(span * hd), values = rng.array(span * hd)
        let expected = reference(q, keys, values, hd: hd, stride: hd, span: span, scale: 3)
        for (level, scores, out) in float32Rows(q, keys, values, hd: hd, stride: hd, span: span, scale: 3) {
            #expect(nmse(out, expected) < 1e-10, "hd \(hd) span \(span) level \(level): \(nmse(out, expected))")
            #expect(scores.allSatisfy { $0 >= 0 && $0 <= 1 } && scores.contains(0), "level \(level)")
        }
    }

    /// Keys and values stored as bf16: every implementation computes what the float32 kernel
    /// computes on the same values widened, so a bf16 cache only costs its rounding. The level-3
    /// kernel (bf16 dot products, query and probabilities split into two bf16 parts, about 16
    /// significant bits) stays within the same bound (its errors measured 2e-12 to 2e-11); spans
    /// cover whole and partial sixteen-key steps and odd spans, whose last key has no partner;
    /// head sizes that are not multiples of 32 fall back to level 2.
    @Test(arguments: [(128, 37), (64, 5), (40, 8), (128, 1), (64, 32), (128, 300), (96, 17), (256, 49)])
    func bfloat16CacheMatchesItsWidenedValues(hd: Int, span: Int) {
        var rng = TestNumbers(state: UInt64(hd * 7 + span))
        let stride = hd * 2
        let q = rng.array(hd), keys = rng.array(span * stride), values = rng.array(span * stride)
        var keyBits = [UInt16](repeating: 0, count: keys.count), valueBits = keyBits
        ok_f32_to_bf16(keys, &keyBits, Int64(keys.count))
        ok_f32_to_bf16(values, &valueBits, Int64(values.count))
        let widen = { (bits: [UInt16]) in bits.map { Float(bitPattern: UInt32($0) << 16) } }
        let expected = reference(q, widen(keyBits), widen(valueBits), hd: hd, stride: stride, span: span, scale: 0.3)
        for level in 0...3 where level <= ok_best_kernel_level() {
            var scores = [Float](repeating: .nan, count: span), out = [Float](repeating: .nan, count: hd)
            switch level {
            case 0: ok_portable_attention_row_bf16(q, Int64(hd), keyBits, valueBits, Int64(stride), Int64(span), 0.3, &scores, &out)
            case 1: ok_avx2_attention_row_bf16(q, Int64(hd), keyBits, valueBits, Int64(stride), Int64(span), 0.3, &scores, &out)
            case 2: ok_avx512_attention_row_bf16(q, Int64(hd), keyBits, valueBits, Int64(stride), Int64(span), 0.3, &scores, &out)
            default: ok_avx512bf16_attention_row_bf16(q, Int64(hd), keyBits, valueBits, Int64(stride), Int64(span), 0.3, &scores, &out)
            }
            #expect(nmse(out, expected) < 1e-10, "hd \(hd) span \(span) level \(level): \(nmse(out, expected))")
        }
    }
}
