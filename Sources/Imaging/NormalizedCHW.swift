// Conversions between 8-bit pixels and the VQGAN's planar float tensors in [−1, 1]
// (chameleon-format.md §4.2 step 4 and §4.7).

extension RGBImage {
    /// The picture as a planar float tensor of shape (3, height, width), channel-major, with
    /// `x = (p / 255)·2 − 1` computed in Double and rounded once to Float, as the reference
    /// preprocessing does (float64 math, then float32).
    public func normalizedCHW() -> [Float] {
        let planeSize = width * height
        var planes = [Float](repeating: 0, count: 3 * planeSize)
        for pixel in 0 ..< planeSize {
            for channel in 0 ..< 3 {
                planes[channel * planeSize + pixel] = Float(Double(pixels[pixel * 3 + channel]) / 255.0 * 2.0 - 1.0)
            }
        }
        return planes
    }

    /// A picture from a planar (3, height, width) float tensor, converted as Meta's reference
    /// `_pil_from_chw_tensor` does in float32: `u8 = trunc(((clamp(x, −1, 1) + 1) / 2)·255)`.
    /// NaN, which the reference leaves undefined, becomes 0.
    public init(normalizedCHW planes: [Float], width: Int, height: Int) {
        let planeSize = width * height
        precondition(planes.count == 3 * planeSize, "CHW tensor of \(planes.count) values is not 3x\(height)x\(width)")
        var pixels = [UInt8](repeating: 0, count: 3 * planeSize)
        for pixel in 0 ..< planeSize {
            for channel in 0 ..< 3 {
                let value = planes[channel * planeSize + pixel]
                guard !value.isNaN else { continue }
                let unit: Float = (min(max(value, -1), 1) + 1) / 2
                pixels[pixel * 3 + channel] = UInt8(unit * 255)  // truncation, at most 255
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
