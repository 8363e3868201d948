import Foundation

// MARK: - Group normalisation over a CHW feature map

/// GroupNorm with affine parameters, as `torch.nn.GroupNorm(groups, channels, eps, affine=True)`
/// computes it for one picture, optionally followed by swish (x · sigmoid(x)), the pair every
/// VQGAN residual block and output head applies.
///
/// The channels are split into `groups` runs of `channels / groups`; each run is normalised by the
/// mean and the biased variance of all its values (accumulated in Double), then
/// out[c, p] = (x[c, p] − mean) / sqrt(var + eps) · weight[c] + bias[c].
///
/// Precondition: `channels` is a multiple of `groups`; `x` and `out` hold channels · spatial
/// floats and may be the same buffer; `weight` and `bias` hold `channels` floats.
public func groupNorm(
    _ x: UnsafePointer<Float>, channels: Int, spatial: Int, groups: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
    swish: Bool = false, out: UnsafeMutablePointer<Float>
) {
    precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels in \(groups) groups")
    let perGroup = channels / groups
    let count = perGroup * spatial
    parallelChunks(count: groups, minChunk: Swift.max(1, 32_768 / Swift.max(1, count))) { range in
        for g in range {
            let start = g * count
            var sum: Double = 0
            for i in start..<(start + count) { sum += Double(x[i]) }
            let mean = sum / Double(count)
            var squares: Double = 0
            for i in start..<(start + count) {
                let d = Double(x[i]) - mean
                squares += d * d
            }
            let inverse = 1 / (squares / Double(count) + Double(eps)).squareRoot()
            let center = Float(mean)
            for c in (g * perGroup)..<((g + 1) * perGroup) {
                // Centre first, then scale: folding the mean into a shift loses precision when
                // the variance is tiny (a group of one pixel).
                let scale = Float(inverse * Double(weight[c]))
                let shift = bias[c]
                let base = c * spatial
                if swish {
                    for i in base..<(base + spatial) {
                        let y = (x[i] - center) * scale + shift
                        out[i] = y / (1 + expf(-y))
                    }
                } else {
                    for i in base..<(base + spatial) { out[i] = (x[i] - center) * scale + shift }
                }
            }
        }
    }
}
