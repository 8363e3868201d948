// Bit-exact conversions between Float and the two 16-bit float formats safetensors stores.
//
// IEEE 754 binary16 (F16):  1 sign | 5 exponent (bias 15)  | 10 mantissa
// bfloat16 (BF16):          1 sign | 8 exponent (bias 127) |  7 mantissa  (the top half of a Float)
// binary32 (Float):         1 sign | 8 exponent (bias 127) | 23 mantissa
//
// Done on bits rather than through Swift's `Float16`, which is missing on some platforms
// (macOS on x86-64) and has no bfloat16 sibling at all.

/// Conversions between `Float` and the bit patterns of IEEE half precision and bfloat16.
///
/// ```swift
/// HalfPrecision.float(fromHalfBits: 0x3C00)      // 1.0
/// HalfPrecision.bfloat16Bits(from: 1.0)          // 0x3F80
/// ```
public enum HalfPrecision {
    // MARK: - To Float (exact: every F16 and BF16 value is a Float)

    /// The Float equal to an IEEE binary16 value. Subnormals, ±0, ±∞ are exact; a NaN stays a NaN
    /// with its sign and payload (shifted into the wider mantissa).
    @inlinable
    public static func float(fromHalfBits half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24. The product is exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            // Infinity (mantissa 0) or NaN (mantissa kept).
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            // Normal: rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// The Float equal to a bfloat16 value (its bits are a Float's upper half).
    @inlinable
    public static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    // MARK: - From Float (rounded to nearest, ties to even)

    /// The IEEE binary16 nearest to `value` (ties to even). Values from 65520 up become ∞, values of
    /// magnitude ≤ 2^-25 become ±0, and NaN stays a (quiet) NaN.
    public static func halfBits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude > 0x7F80_0000 {
            // NaN: keep the top payload bits and force the quiet bit so it cannot turn into ∞.
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x01FF)
        }
        if magnitude >= 0x477F_F000 {
            // ≥ 65520, halfway between the largest half (65504) and 2^16: rounds to ∞ (and ∞ stays ∞).
            return sign | 0x7C00
        }
        if magnitude < 0x3880_0000 {
            // Below 2^-14, the smallest normal half: the result counts units of 2^-24. A normal
            // Float is m × 2^(e-150) with m its 24-bit significand, so it holds m >> (126 - e)
            // whole units; the bits shifted out decide the rounding.
            let exponent = magnitude >> 23
            let shift = 126 - exponent
            guard shift <= 24 else { return sign }  // at most 2^-25 (a tie with 0): ±0
            let significand = magnitude & 0x007F_FFFF | 0x0080_0000
            var units = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway: UInt32 = 1 << (shift - 1)
            if remainder > halfway || (remainder == halfway && units & 1 == 1) { units += 1 }
            // 1024 units is the smallest normal, whose bits follow on from the subnormals.
            return sign | UInt16(units)
        }
        // Normal: rebias, keep the top 10 mantissa bits, round on the 13 dropped ones. A carry out
        // of the mantissa correctly increments the exponent.
        let exponent = (magnitude >> 23) - 112
        var result = exponent << 10 | (magnitude >> 13) & 0x03FF
        let dropped = magnitude & 0x1FFF
        if dropped > 0x1000 || (dropped == 0x1000 && result & 1 == 1) { result += 1 }
        return sign | UInt16(result)
    }

    /// The bfloat16 nearest to `value` (ties to even). NaN stays a (quiet) NaN.
    public static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 {
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        }
        // Add just under half an ulp, plus one if the kept part is odd, then truncate. Overflow
        // past the largest finite value carries into the exponent and gives ∞, as it should.
        let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits + roundingBias) >> 16)
    }
}
