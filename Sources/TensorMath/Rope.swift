import Foundation

// MARK: - Rotary position embedding (rotate-half layout)

/// Cosine and sine tables for rotary embeddings, computed the way Hugging Face computes them:
/// `inv_freq[i] = 1 / theta^(2i/D)` in float32, angle = position · inv_freq in float32.
///
/// The tables grow on demand, so a model with a long context pays only for positions it uses.
public struct RopeTables: Sendable {
    /// Head dimension D; the tables hold D/2 entries per position.
    public let headDim: Int
    public let theta: Float
    private let inverseFrequencies: [Float]
    private(set) var cosines: [Float] = []
    private(set) var sines: [Float] = []

    public init(headDim: Int, theta: Float) {
        precondition(headDim % 2 == 0, "RoPE needs an even head dimension")
        self.headDim = headDim
        self.theta = theta
        let half = headDim / 2
        inverseFrequencies = (0..<half).map { i in
            1 / powf(theta, Float(2 * i) / Float(headDim))
        }
    }

    /// Number of positions the tables cover now.
    public var positions: Int { cosines.count / Swift.max(1, headDim / 2) }

    /// Makes sure positions `0..<count` are in the tables.
    public mutating func reserve(positions count: Int) {
        let have = positions
        guard count > have else { return }
        let target = Swift.max(count, have * 2)
        let half = headDim / 2
        cosines.reserveCapacity(target * half)
        sines.reserveCapacity(target * half)
        for p in have..<target {
            for i in 0..<half {
                let angle = Float(p) * inverseFrequencies[i]
                cosines.append(cosf(angle))
                sines.append(sinf(angle))
            }
        }
    }

    /// Writes the D/2 cosines and sines for `position` (the values the tables would hold), so a
    /// caller can rotate without tables sized for the whole context.
    public func angles(position: Int, cos c: UnsafeMutablePointer<Float>, sin s: UnsafeMutablePointer<Float>) {
        for i in 0..<headDim / 2 {
            let angle = Float(position) * inverseFrequencies[i]
            c[i] = cosf(angle)
            s[i] = sinf(angle)
        }
    }

    /// Rotates `heads` vectors of length D in place with precomputed cosines and sines (D/2 each).
    public func apply(_ v: UnsafeMutablePointer<Float>, heads: Int, cos c: UnsafePointer<Float>, sin s: UnsafePointer<Float>) {
        let half = headDim / 2
        for h in 0..<heads {
            let base = v + h * headDim
            for i in 0..<half {
                let a = base[i], b = base[i + half]
                base[i] = a * c[i] - b * s[i]
                base[i + half] = b * c[i] + a * s[i]
            }
        }
    }

    /// Rotates `heads` vectors of length D in place for `position`, pairing element i with
    /// element i + D/2 (rotate-half). Precondition: `reserve(positions: position + 1)` was called.
    public func apply(_ v: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        let half = headDim / 2
        cosines.withUnsafeBufferPointer { cosTable in
            sines.withUnsafeBufferPointer { sinTable in
                apply(v, heads: heads, cos: cosTable.baseAddress! + position * half, sin: sinTable.baseAddress! + position * half)
            }
        }
    }
}
