// MARK: - Normalisations

/// RMSNorm over one vector: out[i] = w[i] · x[i] / sqrt(mean(x²) + eps).
///
/// The mean is accumulated in Double so the result does not depend on summation order.
/// Precondition: `x`, `weight` and `out` valid for `n` floats; `out` may alias `x`.
public func rmsNorm(
    _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, n: Int,
    out: UnsafeMutablePointer<Float>
) {
    var sum: Double = 0
    for i in 0..<n { sum += Double(x[i]) * Double(x[i]) }
    let scale = Float(1.0 / (sum / Double(n) + Double(eps)).squareRoot())
    for i in 0..<n { out[i] = weight[i] * (x[i] * scale) }
}

/// LayerNorm with affine parameters over one vector: out = (x − mean) / sqrt(var + eps) · w + b,
/// with the biased (population) variance, as `torch.nn.functional.layer_norm` computes it.
/// Precondition: all pointers valid for `n` floats; `out` may alias `x`.
public func layerNorm(
    _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    eps: Float, n: Int, out: UnsafeMutablePointer<Float>
) {
    var mean: Double = 0
    for i in 0..<n { mean += Double(x[i]) }
    mean /= Double(n)
    var variance: Double = 0
    for i in 0..<n {
        let d = Double(x[i]) - mean
        variance += d * d
    }
    variance /= Double(n)
    let inv = 1.0 / (variance + Double(eps)).squareRoot()
    for i in 0..<n {
        out[i] = Float((Double(x[i]) - mean) * inv) * weight[i] + bias[i]
    }
}
