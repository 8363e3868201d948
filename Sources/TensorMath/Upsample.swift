// MARK: - Nearest-neighbour up-sampling

/// Doubles a CHW feature map's height and width by repeating every value into a 2 × 2 block,
/// as `torch.nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")` does:
/// out[c, y, x] = input[c, y / 2, x / 2].
///
/// Precondition: `input` holds channels · height · width floats, `output` four times as many,
/// and the two do not overlap.
public func upsampleNearest2x(
    _ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
    output: UnsafeMutablePointer<Float>
) {
    let outWidth = 2 * width
    parallelChunks(count: channels * height, minChunk: Swift.max(1, 4096 / Swift.max(1, width))) { range in
        for row in range {
            let source = input + row * width
            // Input row (c, y) becomes output rows 2y and 2y + 1 of channel c, which are adjacent.
            let target = output + row * 2 * outWidth
            for x in 0..<width {
                let v = source[x]
                target[2 * x] = v
                target[2 * x + 1] = v
            }
            (target + outWidth).update(from: target, count: outWidth)
        }
    }
}
