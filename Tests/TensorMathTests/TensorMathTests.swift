import Foundation
import Testing
@testable import TensorMath

/// Each optimised kernel against a naive, obviously-correct version at awkward shapes
/// (the `test-backend-ops` idea), compared by normalised mean squared error.
@Suite struct KernelTests {
    @Test(arguments: [(1, 1, 1), (1, 17, 33), (3, 64, 64), (4, 7, 129), (5, 100, 48), (9, 31, 15), (130, 3, 40)])
    func matmulMatchesNaive(rows: Int, outDim: Int, inDim: Int) {
        var rng = TestNumbers(state: UInt64(rows * 1000 + outDim * 10 + inDim))
        let x = rng.array(rows * inDim), w = rng.array(outDim * inDim)
        var y = [Float](repeating: .nan, count: rows * outDim)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    matmulTransposed(x: xp.baseAddress!, rows: rows, w: wp.baseAddress!, outDim: outDim, inDim: inDim, y: yp.baseAddress!)
                }
            }
        }
        var expected = [Float](repeating: 0, count: rows * outDim)
        for r in 0..<rows {
            for o in 0..<outDim {
                var s: Double = 0
                for i in 0..<inDim { s += Double(x[r * inDim + i]) * Double(w[o * inDim + i]) }
                expected[r * outDim + o] = Float(s)
            }
        }
        #expect(nmse(y, expected) < 1e-10)
    }

    @Test func rmsNormMatchesDefinition() {
        var rng = TestNumbers(state: 3)
        let n = 37
        let x = rng.array(n), w = rng.array(n)
        var out = [Float](repeating: 0, count: n)
        rmsNorm(x, weight: w, eps: 1e-5, n: n, out: &out)
        let ms = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        let expected = (0..<n).map { Float(Double(w[$0]) * Double(x[$0]) / (ms + 1e-5).squareRoot()) }
        #expect(nmse(out, expected) < 1e-12)
    }

    @Test func layerNormMatchesDefinition() {
        var rng = TestNumbers(state: 5)
        let n = 24
        let x = rng.array(n).map { $0 * 3 + 1 }, w = rng.array(n), b = rng.array(n)
        var out = [Float](repeating: 0, count: n)
        layerNorm(x, weight: w, bias: b, eps: 1e-5, n: n, out: &out)
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        let expected = (0..<n).map { Float((Double(x[$0]) - mean) / (variance + 1e-5).squareRoot() * Double(w[$0]) + Double(b[$0])) }
        #expect(nmse(out, expected) < 1e-12)
    }

    @Test func softmaxSumsToOneAndIgnoresMinusInfinity() {
        var x: [Float] = [1, 2, -.infinity, 3, 1000]
        softmaxInPlace(&x, x.count)
        #expect(x[2] == 0)
        #expect(abs(x.reduce(0, +) - 1) < 1e-6)
        #expect(x[4] > 0.999)
        var allMasked: [Float] = [-.infinity, -.infinity]
        softmaxInPlace(&allMasked, 2)
        #expect(allMasked == [0, 0])
    }

    @Test func ropeRotatesHalvesByPositionAngle() {
        var tables = RopeTables(headDim: 8, theta: 10000)
        tables.reserve(positions: 10)
        var rng = TestNumbers(state: 9)
        let v = rng.array(16)
        var rotated = v
        tables.apply(&rotated, heads: 2, position: 7)
        for h in 0..<2 {
            for i in 0..<4 {
                let angle = 7 * pow(10000, -Double(2 * i) / 8)
                let a = Double(v[h * 8 + i]), b = Double(v[h * 8 + i + 4])
                #expect(abs(Double(rotated[h * 8 + i]) - (a * cos(angle) - b * sin(angle))) < 1e-5)
                #expect(abs(Double(rotated[h * 8 + i + 4]) - (b * cos(angle) + a * sin(angle))) < 1e-5)
            }
        }
        // Position 0 is the identity.
        var same = v
        tables.apply(&same, heads: 2, position: 0)
        #expect(same == v)
    }

    @Test func ropeTablesGrowOnDemand() {
        var tables = RopeTables(headDim: 4, theta: 100)
        tables.reserve(positions: 3)
        #expect(tables.positions >= 3)
        tables.reserve(positions: 1000)
        #expect(tables.positions >= 1000)
    }

    @Test func swiGLUMatchesDefinition() {
        var gate: [Float] = [-2, 0, 0.5, 3]
        let up: [Float] = [1, 2, 3, 4]
        let expected = zip(gate, up).map { g, u in g / (1 + exp(-g)) * u }
        swiGLU(gate: &gate, up: up, n: 4)
        #expect(nmse(gate, expected) < 1e-12)
    }
}
