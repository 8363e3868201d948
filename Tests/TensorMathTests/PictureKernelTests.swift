import CKernels
import Foundation
import Testing
@testable import TensorMath

/// The VQGAN's kernels (blocked product, convolution, GroupNorm, up-sampling, swish, transpose)
/// against naive Double-precision versions at awkward shapes: sizes that are not multiples of
/// the register tile, depths beyond one packed block, strides, asymmetric padding.
@Suite struct PictureKernelTests {
    // MARK: - Blocked product

    @Test(arguments: [(1, 1, 1), (3, 7, 5), (4, 8, 16), (5, 9, 300), (33, 130, 17), (2, 1000, 3), (64, 64, 600)])
    func matmulMatchesNaive(m: Int, n: Int, k: Int) {
        var numbers = TestNumbers(state: UInt64(m * 10_000 + n * 100 + k))
        let a = numbers.array(m * k), b = numbers.array(k * n), start = numbers.array(m * n)
        var expected = [Float](repeating: 0, count: m * n)
        for r in 0..<m {
            for c in 0..<n {
                var s = 0.0
                for i in 0..<k { s += Double(a[r * k + i]) * Double(b[i * n + c]) }
                expected[r * n + c] = Float(s)
            }
        }
        var product = [Float](repeating: .nan, count: m * n)
        matmul(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &product, ldc: n)
        #expect(nmse(product, expected) < 1e-11)

        var accumulated = start
        matmul(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &accumulated, ldc: n, accumulate: true)
        #expect(nmse(accumulated, zip(start, expected).map { $0 + $1 }) < 1e-11)
    }

    /// The AVX2 and AVX-512 register tiles against the portable one, for every row count (the
    /// AVX2 tile takes seven and eight rows in two passes) and a partial panel.
    @Test(arguments: [(1, 16), (3, 5), (6, 16), (7, 16), (8, 1), (8, 16)])
    func tileKernelsAgree(rows: Int, columns: Int) {
        let k = 37, lda = 41, ldc = 19
        var numbers = TestNumbers(state: UInt64(rows * 100 + columns))
        let a = numbers.array(rows * lda), panel = numbers.array(k * panelWidth), start = numbers.array(rows * ldc)
        var portable = start
        ok_portable_gemm_tile_f32(Int32(rows), Int32(columns), Int64(k), a, Int64(lda), panel, &portable, Int64(ldc))
        #expect(portable != start)
        for level in 1...2 where level <= ok_best_kernel_level() {
            var vector = start
            if level == 1 {
                ok_avx2_gemm_tile_f32(Int32(rows), Int32(columns), Int64(k), a, Int64(lda), panel, &vector, Int64(ldc))
            } else {
                ok_avx512_gemm_tile_f32(Int32(rows), Int32(columns), Int64(k), a, Int64(lda), panel, &vector, Int64(ldc))
            }
            #expect(nmse(vector, portable) < 1e-11, "level \(level)")
            // Columns past `columns` in each row are left as they were.
            for r in 0..<rows {
                for j in columns..<ldc { #expect(vector[r * ldc + j] == start[r * ldc + j]) }
            }
        }
    }

    // MARK: - Convolution

    struct ConvolutionCase: Sendable, CustomStringConvertible {
        let inChannels, height, width, outChannels, kernel, stride: Int
        let padding: ConvolutionPadding
        let bias: Bool
        var description: String {
            "\(inChannels)x\(height)x\(width)->\(outChannels) k\(kernel) s\(stride) pad \(padding.top),\(padding.left),\(padding.bottom),\(padding.right)"
        }
    }

    static let convolutionCases: [ConvolutionCase] = [
        .init(inChannels: 3, height: 9, width: 11, outChannels: 5, kernel: 3, stride: 1, padding: .uniform(1), bias: true),
        .init(inChannels: 2, height: 16, width: 16, outChannels: 33, kernel: 3, stride: 1, padding: .uniform(1), bias: true),
        .init(inChannels: 30, height: 10, width: 24, outChannels: 7, kernel: 3, stride: 1, padding: .uniform(1), bias: false),
        // The encoder's down-sampling: pad right and bottom by one, stride 2, no other padding.
        .init(inChannels: 4, height: 8, width: 8, outChannels: 6, kernel: 3, stride: 2,
              padding: .init(top: 0, left: 0, bottom: 1, right: 1), bias: true),
        .init(inChannels: 3, height: 20, width: 36, outChannels: 4, kernel: 3, stride: 2,
              padding: .init(top: 0, left: 0, bottom: 1, right: 1), bias: true),
        .init(inChannels: 7, height: 5, width: 13, outChannels: 3, kernel: 1, stride: 1, padding: .uniform(0), bias: true),
        .init(inChannels: 1, height: 3, width: 3, outChannels: 2, kernel: 3, stride: 1, padding: .uniform(1), bias: true),
        .init(inChannels: 5, height: 1, width: 1, outChannels: 9, kernel: 3, stride: 1, padding: .uniform(1), bias: true),
        .init(inChannels: 3, height: 12, width: 10, outChannels: 4, kernel: 5, stride: 3,
              padding: .init(top: 2, left: 1, bottom: 0, right: 3), bias: true),
    ]

    @Test(arguments: convolutionCases)
    func convolutionMatchesNaive(_ test: ConvolutionCase) {
        var numbers = TestNumbers(state: UInt64(test.inChannels * 7919 + test.height * 31 + test.width + test.kernel))
        let k = test.kernel
        let input = numbers.array(test.inChannels * test.height * test.width)
        let weight = numbers.array(test.outChannels * test.inChannels * k * k)
        let bias = test.bias ? numbers.array(test.outChannels) : [Float](repeating: 0, count: test.outChannels)
        let size = convolutionOutputSize(height: test.height, width: test.width, kernel: k, stride: test.stride, padding: test.padding)

        var expected = [Float](repeating: 0, count: test.outChannels * size.height * size.width)
        for o in 0..<test.outChannels {
            for y in 0..<size.height {
                for x in 0..<size.width {
                    var s = Double(bias[o])
                    for c in 0..<test.inChannels {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = y * test.stride + ky - test.padding.top
                                let ix = x * test.stride + kx - test.padding.left
                                guard iy >= 0, iy < test.height, ix >= 0, ix < test.width else { continue }
                                s += Double(weight[((o * test.inChannels + c) * k + ky) * k + kx])
                                    * Double(input[(c * test.height + iy) * test.width + ix])
                            }
                        }
                    }
                    expected[(o * size.height + y) * size.width + x] = Float(s)
                }
            }
        }

        var output = [Float](repeating: .nan, count: expected.count)
        input.withUnsafeBufferPointer { i in
            weight.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    output.withUnsafeMutableBufferPointer { out in
                        conv2d(input: i.baseAddress!, inChannels: test.inChannels, height: test.height, width: test.width,
                               weight: w.baseAddress!, bias: test.bias ? b.baseAddress! : nil, outChannels: test.outChannels,
                               kernel: k, stride: test.stride, padding: test.padding, output: out.baseAddress!)
                    }
                }
            }
        }
        #expect(nmse(output, expected) < 1e-11, "\(test)")
    }

    // MARK: - GroupNorm, swish, up-sampling, transpose

    @Test(arguments: [(32, 1, false), (64, 25, false), (64, 25, true), (96, 7, true)])
    func groupNormMatchesNaive(channels: Int, spatial: Int, swish: Bool) {
        var numbers = TestNumbers(state: UInt64(channels * 100 + spatial))
        let x = numbers.array(channels * spatial).map { $0 * 4 + 0.5 }
        let weight = numbers.array(channels), bias = numbers.array(channels)
        let groups = 32, per = channels / groups
        var expected = [Float](repeating: 0, count: x.count)
        for g in 0..<groups {
            let values = x[(g * per * spatial)..<((g + 1) * per * spatial)].map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            for c in (g * per)..<((g + 1) * per) {
                for p in 0..<spatial {
                    var y = (Double(x[c * spatial + p]) - mean) / (variance + 1e-6).squareRoot() * Double(weight[c]) + Double(bias[c])
                    if swish { y = y / (1 + exp(-y)) }
                    expected[c * spatial + p] = Float(y)
                }
            }
        }
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { buffer in
            groupNorm(buffer.baseAddress!, channels: channels, spatial: spatial, groups: groups,
                      weight: weight, bias: bias, eps: 1e-6, swish: swish, out: buffer.baseAddress!)
        }
        #expect(nmse(inPlace, expected) < 1e-11)
    }

    @Test func swishMatchesDefinition() {
        var numbers = TestNumbers(state: 11)
        let x = numbers.array(50_000).map { $0 * 30 } + [-200, -90, 0, 90, 200]
        var y = x
        swishInPlace(&y, y.count)
        let expected = x.map { v in Float(Double(v) / (1 + exp(-Double(v)))) }
        #expect(nmse(y, expected) < 1e-12)
        #expect(y.allSatisfy { $0.isFinite })
    }

    @Test(arguments: [(1, 1, 1), (3, 4, 5), (2, 17, 9)])
    func upsamplingRepeatsEveryValueIntoTwoByTwo(channels: Int, height: Int, width: Int) {
        var numbers = TestNumbers(state: UInt64(channels + height + width))
        let x = numbers.array(channels * height * width)
        var y = [Float](repeating: .nan, count: 4 * x.count)
        upsampleNearest2x(x, channels: channels, height: height, width: width, output: &y)
        var expected = [Float](repeating: 0, count: y.count)
        for c in 0..<channels {
            for oy in 0..<(2 * height) {
                for ox in 0..<(2 * width) {
                    expected[(c * 2 * height + oy) * 2 * width + ox] = x[(c * height + oy / 2) * width + ox / 2]
                }
            }
        }
        #expect(y == expected)
    }

    @Test(arguments: [(1, 1), (3, 70), (65, 33)])
    func transposeSwapsAxes(rows: Int, columns: Int) {
        let x = (0..<(rows * columns)).map(Float.init)
        var y = [Float](repeating: .nan, count: x.count)
        transpose(x, rows: rows, columns: columns, into: &y)
        for r in 0..<rows {
            for c in 0..<columns { #expect(y[c * rows + r] == x[r * columns + c]) }
        }
    }
}
