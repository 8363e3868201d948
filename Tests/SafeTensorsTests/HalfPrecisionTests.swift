import Foundation
import Testing
@testable import SafeTensors

/// F16 / BF16 ↔ Float conversions: exhaustive over all 16-bit patterns, against torch for rounding,
/// and against Swift's own `Float16` where the platform has it.
@Suite struct HalfPrecisionTests {
    @Test func halfToFloatKnownValues() {
        #expect(HalfPrecision.float(fromHalfBits: 0x3C00) == 1)
        #expect(HalfPrecision.float(fromHalfBits: 0xC000) == -2)
        #expect(HalfPrecision.float(fromHalfBits: 0x7BFF) == 65504)
        #expect(HalfPrecision.float(fromHalfBits: 0x0001) == 0x1p-24)       // smallest subnormal
        #expect(HalfPrecision.float(fromHalfBits: 0x03FF) == 1023 * 0x1p-24) // largest subnormal
        #expect(HalfPrecision.float(fromHalfBits: 0x0400) == 0x1p-14)       // smallest normal
        #expect(HalfPrecision.float(fromHalfBits: 0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(HalfPrecision.float(fromHalfBits: 0x7C00) == .infinity)
        #expect(HalfPrecision.float(fromHalfBits: 0xFC00) == -.infinity)
        #expect(HalfPrecision.float(fromHalfBits: 0x7E00).isNaN)
        #expect(HalfPrecision.float(fromHalfBits: 0x7C01).isNaN)            // smallest-payload NaN is not ∞
    }

    @Test func bfloat16ToFloatIsTheUpperHalf() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float(fromBFloat16Bits: bits)
            #expect(value.bitPattern == UInt32(bits) << 16)
        }
    }

    /// Every finite half converts to a Float that converts back to the same half; NaNs stay NaN.
    @Test func halfRoundTripsExhaustively() {
        var failures = 0
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float(fromHalfBits: bits)
            let back = HalfPrecision.halfBits(from: value)
            let ok = value.isNaN ? (back & 0x7C00 == 0x7C00 && back & 0x03FF != 0 && back & 0x8000 == bits & 0x8000) : back == bits
            if !ok { failures += 1; if failures < 5 { Issue.record("half 0x\(String(bits, radix: 16)) → \(value) → 0x\(String(back, radix: 16))") } }
        }
        #expect(failures == 0)
    }

    @Test func bfloat16RoundTripsExhaustively() {
        var failures = 0
        for bits in UInt16.min...UInt16.max {
            let value = HalfPrecision.float(fromBFloat16Bits: bits)
            let back = HalfPrecision.bfloat16Bits(from: value)
            let ok = value.isNaN ? (back & 0x7F80 == 0x7F80 && back & 0x007F != 0) : back == bits
            if !ok { failures += 1 }
        }
        #expect(failures == 0)
    }

    /// Exactly halfway between two neighbours rounds to the even one; a hair either side rounds to
    /// the nearer one. Checked at every pair of neighbouring finite positive values.
    @Test func tiesRoundToEvenAtEveryNeighbourPair() {
        var failures = 0
        func check(_ lower: UInt16, _ toFloat: (UInt16) -> Float, _ toBits: (Float) -> UInt16) {
            let a = toFloat(lower), b = toFloat(lower + 1)
            let middle = a + (b - a) / 2  // exact: b - a is one ulp, a power of two; (a + b) could overflow
            let even = lower & 1 == 0 ? lower : lower + 1
            if toBits(middle) != even { failures += 1 }
            if toBits(middle.nextDown) != lower { failures += 1 }
            if toBits(middle.nextUp) != lower + 1 { failures += 1 }
            if toBits(-middle) != even | 0x8000 { failures += 1 }
        }
        for lower: UInt16 in 0..<0x7BFF { check(lower, HalfPrecision.float(fromHalfBits:), HalfPrecision.halfBits(from:)) }
        for lower: UInt16 in 0..<0x7F7F { check(lower, HalfPrecision.float(fromBFloat16Bits:), HalfPrecision.bfloat16Bits(from:)) }
        #expect(failures == 0)
    }

    @Test func overflowAndUnderflowThresholds() {
        #expect(HalfPrecision.halfBits(from: 65504) == 0x7BFF)
        #expect(HalfPrecision.halfBits(from: Float(65520).nextDown) == 0x7BFF)
        #expect(HalfPrecision.halfBits(from: 65520) == 0x7C00)                // tie with 2^16 → ∞
        #expect(HalfPrecision.halfBits(from: -1e30) == 0xFC00)
        #expect(HalfPrecision.halfBits(from: 0x1p-25) == 0x0000)              // tie with 0 → 0
        #expect(HalfPrecision.halfBits(from: Float(0x1p-25).nextUp) == 0x0001)
        #expect(HalfPrecision.halfBits(from: -0x1p-26) == 0x8000)
        #expect(HalfPrecision.bfloat16Bits(from: .greatestFiniteMagnitude) == 0x7F80)
        #expect(HalfPrecision.bfloat16Bits(from: -.infinity) == 0xFF80)
        #expect(HalfPrecision.bfloat16Bits(from: .nan) & 0x7FC0 == 0x7FC0)
        #expect(HalfPrecision.halfBits(from: .nan) & 0x7E00 == 0x7E00)
        // A NaN whose payload sits only in the low bits must not become ∞.
        let lowPayloadNaN = Float(bitPattern: 0x7F80_0001)
        #expect(HalfPrecision.float(fromHalfBits: HalfPrecision.halfBits(from: lowPayloadNaN)).isNaN)
        #expect(HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: lowPayloadNaN)).isNaN)
    }

    /// Rounding of float32 values chosen around every edge, compared with torch's `.to(float16)` and
    /// `.to(bfloat16)` (Tests/Fixtures/safetensors/rounding.json).
    @Test func roundingMatchesTorch() throws {
        struct Rounding: Decodable {
            let float32_bits: [UInt32]
            let f16_bits: [UInt16]
            let bf16_bits: [UInt16]
        }
        let golden = try JSONDecoder().decode(Rounding.self, from: Data(contentsOf: Fixtures.url("rounding.json")))
        #expect(golden.float32_bits.count > 100)
        for (index, bits) in golden.float32_bits.enumerated() {
            let value = Float(bitPattern: bits)
            let f16 = HalfPrecision.halfBits(from: value), bf16 = HalfPrecision.bfloat16Bits(from: value)
            if value.isNaN {
                #expect(HalfPrecision.float(fromHalfBits: f16).isNaN && HalfPrecision.float(fromBFloat16Bits: bf16).isNaN)
            } else {
                #expect(f16 == golden.f16_bits[index], "f16 of \(value) (0x\(String(bits, radix: 16)))")
                #expect(bf16 == golden.bf16_bits[index], "bf16 of \(value) (0x\(String(bits, radix: 16)))")
            }
        }
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    /// Cross-check with the compiler's Float16, which lowers to hardware or compiler-rt.
    @Test func agreesWithSwiftFloat16() {
        var failures = 0
        for bits in UInt16.min...UInt16.max {
            let mine = HalfPrecision.float(fromHalfBits: bits)
            let theirs = Float(Float16(bitPattern: bits))
            if mine.isNaN ? !theirs.isNaN : mine.bitPattern != theirs.bitPattern { failures += 1 }
        }
        var generator = SplitMix64(seed: 7)
        for _ in 0..<200_000 {
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            let mine = HalfPrecision.halfBits(from: value), theirs = Float16(value).bitPattern
            if value.isNaN ? (mine & 0x7C00 != 0x7C00 || mine & 0x3FF == 0) : mine != theirs { failures += 1 }
        }
        #expect(failures == 0)
    }
    #endif
}
