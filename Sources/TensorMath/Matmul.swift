// MARK: - Matrix products with PyTorch `Linear` layout

/// y = x · wᵀ, the product a PyTorch `Linear` computes.
///
/// - x: (rows, inDim) activations, row-major.
/// - w: (outDim, inDim) weights, row-major, as stored in checkpoints.
/// - y: (rows, outDim) output, overwritten.
///
/// Threads split the output columns, so every weight row is read once per call whatever the
/// number of activation rows (decode with guidance rows, or a prefill chunk).
/// Precondition: the pointers are valid for the sizes given and `y` does not alias `x` or `w`.
public func matmulTransposed(
    x: UnsafePointer<Float>, rows: Int,
    w: UnsafePointer<Float>, outDim: Int, inDim: Int,
    y: UnsafeMutablePointer<Float>
) {
    let minChunk = Swift.max(1, 16_384 / Swift.max(1, inDim * Swift.max(1, rows / 4)))
    parallelChunks(count: outDim, minChunk: minChunk) { range in
        for o in range {
            let wr = w + o * inDim
            var r = 0
            while r + 4 <= rows {
                let v = dot4(
                    x + r * inDim, x + (r + 1) * inDim, x + (r + 2) * inDim, x + (r + 3) * inDim,
                    wr, inDim)
                y[r * outDim + o] = v[0]
                y[(r + 1) * outDim + o] = v[1]
                y[(r + 2) * outDim + o] = v[2]
                y[(r + 3) * outDim + o] = v[3]
                r += 4
            }
            while r < rows {
                y[r * outDim + o] = dot(x + r * inDim, wr, inDim)
                r += 1
            }
        }
    }
}
