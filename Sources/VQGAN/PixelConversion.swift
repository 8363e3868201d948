// MARK: - Pixels ↔ the VQGAN's float range
//
// The reference engine (Meta's Chameleon `TokenManager`, which Anole uses) scales 8-bit pixels to
// x = p / 255 · 2 − 1 (computed in float64, stored as float32) and back to 8 bits with
// trunc((clamp(x, −1, 1) + 1) / 2 · 255), in float32 (chameleon-format.md §4.2 step 4, §4.7).

/// Conversions between interleaved 8-bit RGB and the planar float pictures the VQGAN reads and
/// writes.
public enum PixelConversion {
    /// Interleaved RGB bytes (height · width · 3) → planar floats (3 · height · width) in [−1, 1].
    public static func planarFloats(fromRGB rgb: [UInt8], width: Int, height: Int) throws(VQGANError) -> [Float] {
        let positions = width * height
        guard rgb.count == 3 * positions else { throw .wrongPixelCount(expected: 3 * positions, found: rgb.count) }
        var planar = [Float](repeating: 0, count: 3 * positions)
        for p in 0..<positions {
            for c in 0..<3 {
                planar[c * positions + p] = Float(Double(rgb[3 * p + c]) / 255.0 * 2.0 - 1.0)
            }
        }
        return planar
    }

    /// Planar floats (3 · height · width) → interleaved RGB bytes, as the reference engine
    /// converts its decoder output. NaN becomes 0.
    public static func rgb(fromPlanar planar: [Float], width: Int, height: Int) throws(VQGANError) -> [UInt8] {
        let positions = width * height
        guard planar.count == 3 * positions else { throw .wrongPixelCount(expected: 3 * positions, found: planar.count) }
        var rgb = [UInt8](repeating: 0, count: 3 * positions)
        for p in 0..<positions {
            for c in 0..<3 { rgb[3 * p + c] = byte(planar[c * positions + p]) }
        }
        return rgb
    }

    /// One value: trunc((clamp(x, −1, 1) + 1) / 2 · 255) with float32 arithmetic in that order.
    @inline(__always)
    public static func byte(_ x: Float) -> UInt8 {
        guard !x.isNaN else { return 0 }
        let unit = (Swift.min(Swift.max(x, -1), 1) + 1) / 2
        return UInt8((unit * 255).rounded(.towardZero))
    }
}
