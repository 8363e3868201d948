import Foundation

// MARK: - Softmax

/// In-place softmax over `n` floats; −∞ entries get probability 0. If every entry is −∞ the
/// result is all zeros. Precondition: `x` valid for `n` floats.
public func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    var maxValue = -Float.infinity
    for i in 0..<n where x[i] > maxValue { maxValue = x[i] }
    guard maxValue > -Float.infinity else {
        for i in 0..<n { x[i] = 0 }
        return
    }
    var sum: Float = 0
    for i in 0..<n {
        let e = expf(x[i] - maxValue)
        x[i] = e
        sum += e
    }
    let inv = 1 / sum
    for i in 0..<n { x[i] *= inv }
}
