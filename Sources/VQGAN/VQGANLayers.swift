import Foundation
import TensorMath

// MARK: - Feature maps and the VQGAN's building blocks
//
// The layers of taming-transformers' VQGAN as Chameleon uses it (chameleon-format.md §4.3, §4.6):
// convolutions, GroupNorm (32 groups, eps 1e-6) with swish, residual blocks and single-head
// spatial attention. Each is a value holding its float32 weights; calling it maps one feature
// map to a new one.

/// One picture's activations: `channels` planes of height × width floats (CHW, row-major).
public struct FeatureMap: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// channels · height · width values.
    public var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width, "FeatureMap: \(values.count) values for \(channels)x\(height)x\(width)")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// Pixels per plane.
    public var spatial: Int { height * width }
}

/// Groups of every GroupNorm in the VQGAN (hard-coded in the reference).
let normGroups = 32
/// GroupNorm epsilon (hard-coded in the reference).
let normEpsilon: Float = 1e-6

/// A `Conv2d` with square kernel and bias: weight (out, in, k, k), bias (out).
struct Convolution: Sendable {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let weight: [Float]
    let bias: [Float]

    /// Same-size output for odd kernels (padding k / 2), or as asked.
    func callAsFunction(_ x: FeatureMap, stride: Int = 1, padding: ConvolutionPadding? = nil) -> FeatureMap {
        precondition(x.channels == inChannels, "Convolution: \(x.channels) channels in, expected \(inChannels)")
        let pad = padding ?? .uniform(kernel / 2)
        let size = convolutionOutputSize(height: x.height, width: x.width, kernel: kernel, stride: stride, padding: pad)
        var out = [Float](repeating: 0, count: outChannels * size.height * size.width)
        x.values.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { o in
                        conv2d(input: input.baseAddress!, inChannels: inChannels, height: x.height, width: x.width,
                               weight: w.baseAddress!, bias: b.baseAddress!, outChannels: outChannels,
                               kernel: kernel, stride: stride, padding: pad, output: o.baseAddress!)
                    }
                }
            }
        }
        return FeatureMap(channels: outChannels, height: size.height, width: size.width, values: out)
    }
}

/// `GroupNorm(32, channels, eps=1e-6, affine=True)`, optionally followed by swish.
struct GroupNormalization: Sendable {
    let channels: Int
    let weight: [Float]
    let bias: [Float]

    func callAsFunction(_ x: FeatureMap, swish: Bool) -> FeatureMap {
        precondition(x.channels == channels, "GroupNormalization: \(x.channels) channels, expected \(channels)")
        var out = x
        out.values.withUnsafeMutableBufferPointer { values in
            weight.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    groupNorm(values.baseAddress!, channels: channels, spatial: x.spatial, groups: normGroups,
                              weight: w.baseAddress!, bias: b.baseAddress!, eps: normEpsilon, swish: swish,
                              out: values.baseAddress!)
                }
            }
        }
        return out
    }
}

/// `ResnetBlock`: h = conv2(swish(norm2(conv1(swish(norm1(x)))))); out = shortcut(x) + h,
/// where the shortcut is a 1×1 `nin_shortcut` when the channel count changes.
struct ResidualBlock: Sendable {
    let norm1: GroupNormalization
    let conv1: Convolution
    let norm2: GroupNormalization
    let conv2: Convolution
    let shortcut: Convolution?

    func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        let h = conv2(norm2(conv1(norm1(x, swish: true)), swish: true))
        let skip = shortcut.map { $0(x) } ?? x
        return adding(skip, h)
    }
}

/// `AttnBlock`: single-head self-attention over the H·W positions with 1×1 q, k, v and
/// proj_out convolutions; out = x + proj_out(attention(norm(x))).
struct AttentionBlock: Sendable {
    let norm: GroupNormalization
    let q: Convolution
    let k: Convolution
    let v: Convolution
    let projOut: Convolution

    func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        let n = norm(x, swish: false)
        let channels = x.channels, positions = x.spatial
        let queries = q(n), keys = k(n), values = v(n)
        let scale = 1 / Float(channels).squareRoot()
        // Rows of queries (N, C) and of values (N, C); keys stay (C, N).
        var queryRows = [Float](repeating: 0, count: channels * positions)
        var valueRows = [Float](repeating: 0, count: channels * positions)
        transpose(queries.values, rows: channels, columns: positions, into: &queryRows)
        transpose(values.values, rows: channels, columns: positions, into: &valueRows)
        var outputRows = [Float](repeating: 0, count: channels * positions)
        // Query blocks bound the score matrix to about 16 MB whatever the resolution.
        let blockRows = Swift.max(1, Swift.min(positions, (4 << 20) / positions))
        var scores = [Float](repeating: 0, count: blockRows * positions)
        queryRows.withUnsafeBufferPointer { qr in
            keys.values.withUnsafeBufferPointer { kc in
                valueRows.withUnsafeBufferPointer { vr in
                    outputRows.withUnsafeMutableBufferPointer { or in
                        scores.withUnsafeMutableBufferPointer { s in
                            var start = 0
                            while start < positions {
                                let rows = Swift.min(blockRows, positions - start)
                                // scores[i, j] = q_i · k_j, then · C^-1/2 and softmax over j.
                                matmul(m: rows, n: positions, k: channels, a: qr.baseAddress! + start * channels, lda: channels,
                                       b: kc.baseAddress!, ldb: positions, c: s.baseAddress!, ldc: positions)
                                parallelChunks(count: rows, minChunk: Swift.max(1, 8192 / positions)) { range in
                                    for r in range {
                                        let row = s.baseAddress! + r * positions
                                        for j in 0..<positions { row[j] *= scale }
                                        softmaxInPlace(row, positions)
                                    }
                                }
                                // out_i = Σ_j p[i, j] v_j.
                                matmul(m: rows, n: channels, k: positions, a: s.baseAddress!, lda: positions,
                                       b: vr.baseAddress!, ldb: channels, c: or.baseAddress! + start * channels, ldc: channels)
                                start += rows
                            }
                        }
                    }
                }
            }
        }
        var attended = [Float](repeating: 0, count: channels * positions)
        transpose(outputRows, rows: positions, columns: channels, into: &attended)
        let projected = projOut(FeatureMap(channels: channels, height: x.height, width: x.width, values: attended))
        return adding(x, projected)
    }
}

/// Element-wise a + b of two maps of one shape.
func adding(_ a: FeatureMap, _ b: FeatureMap) -> FeatureMap {
    precondition(a.channels == b.channels && a.height == b.height && a.width == b.width, "adding: shapes differ")
    var out = a
    out.values.withUnsafeMutableBufferPointer { o in
        b.values.withUnsafeBufferPointer { addInPlace(o.baseAddress!, $0.baseAddress!, n: o.count) }
    }
    return out
}

/// Nearest-neighbour ×2 up-sampling of a map.
func upsampled(_ x: FeatureMap) -> FeatureMap {
    var out = [Float](repeating: 0, count: 4 * x.values.count)
    x.values.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { o in
            upsampleNearest2x(input.baseAddress!, channels: x.channels, height: x.height, width: x.width, output: o.baseAddress!)
        }
    }
    return FeatureMap(channels: x.channels, height: 2 * x.height, width: 2 * x.width, values: out)
}
