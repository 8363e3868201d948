import TensorMath

// MARK: - The codebook: nearest codes (quantizer) and code lookup
//
// chameleon-format.md §4.4–4.5: the quantizer picks, for each latent vector z, the code n that
// minimises ‖z‖² + ‖e_n‖² − 2 z·e_n, computed in float32 as the reference does, first minimum on
// ties; decoding looks the vectors back up and lays them out as an (embed_dim, h, w) map.

/// `quantize.embedding.weight`: `count` vectors of `dimension` floats.
struct Codebook: Sendable {
    let count: Int
    let dimension: Int
    /// (count, dimension), row-major.
    let vectors: [Float]
    /// ‖e_n‖² in float32, summed in order as `torch.sum(e ** 2, dim=1)` over a row.
    let squaredNorms: [Float]

    init(count: Int, dimension: Int, vectors: [Float]) {
        precondition(vectors.count == count * dimension, "Codebook: \(vectors.count) values for \(count)x\(dimension)")
        self.count = count
        self.dimension = dimension
        self.vectors = vectors
        squaredNorms = (0..<count).map { n in
            var sum: Float = 0
            for d in 0..<dimension {
                let v = vectors[n * dimension + d]
                sum += v * v
            }
            return sum
        }
    }

    /// The nearest code of every position of `latents` (dimension, h, w), in raster order.
    func nearestCodes(_ latents: FeatureMap) -> [Int] {
        precondition(latents.channels == dimension, "Codebook: latents have \(latents.channels) channels, codes \(dimension)")
        let positions = latents.spatial
        // dots[n, p] = e_n · z_p: the codebook (count × dimension) times the latents as they lie
        // (dimension × positions). Blocks of codes bound the buffer for large codebooks.
        let codesPerBlock = Swift.max(1, Swift.min(count, (4 << 20) / Swift.max(1, positions)))
        var dots = [Float](repeating: 0, count: codesPerBlock * positions)
        var latentNorms = [Float](repeating: 0, count: positions)
        for p in 0..<positions {
            var sum: Float = 0
            for d in 0..<dimension {
                let z = latents.values[d * positions + p]
                sum += z * z
            }
            latentNorms[p] = sum
        }
        var best = [Int](repeating: 0, count: positions)
        var bestDistance = [Float](repeating: .infinity, count: positions)
        vectors.withUnsafeBufferPointer { e in
            latents.values.withUnsafeBufferPointer { z in
                var start = 0
                while start < count {
                    let rows = Swift.min(codesPerBlock, count - start)
                    dots.withUnsafeMutableBufferPointer { out in
                        matmul(m: rows, n: positions, k: dimension, a: e.baseAddress! + start * dimension, lda: dimension,
                               b: z.baseAddress!, ldb: positions, c: out.baseAddress!, ldc: positions)
                    }
                    for r in 0..<rows {
                        let n = start + r
                        for p in 0..<positions {
                            let distance = (latentNorms[p] + squaredNorms[n]) - 2 * dots[r * positions + p]
                            // Strictly smaller keeps the first minimum, as torch.argmin does.
                            if distance < bestDistance[p] {
                                bestDistance[p] = distance
                                best[p] = n
                            }
                        }
                    }
                    start += rows
                }
            }
        }
        return best
    }

    /// The vectors of `codes` laid out as a (dimension, height, width) map.
    /// Precondition: codes.count == height · width and every code is in 0..<count.
    func embedding(_ codes: [Int], height: Int, width: Int) -> FeatureMap {
        let positions = height * width
        var values = [Float](repeating: 0, count: dimension * positions)
        for (p, code) in codes.enumerated() {
            for d in 0..<dimension { values[d * positions + p] = vectors[code * dimension + d] }
        }
        return FeatureMap(channels: dimension, height: height, width: width, values: values)
    }
}
