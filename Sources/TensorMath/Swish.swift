import Foundation

// MARK: - Swish

/// x[i] = x[i] · sigmoid(x[i]) for `n` floats, the VQGAN's nonlinearity (SiLU).
/// Precondition: `x` valid for `n` floats.
public func swishInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    parallelChunks(count: n, minChunk: 16_384) { range in
        for i in range {
            let z = x[i]
            x[i] = z / (1 + expf(-z))
        }
    }
}
