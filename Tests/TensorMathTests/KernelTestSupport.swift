/// Shared by the kernel suites: a seeded generator of floats in [-1, 1] and the normalised
/// mean squared error every optimised kernel is compared by.
struct TestNumbers {
    var state: UInt64
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
    }
    mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}

/// Σ(a−b)² / Σb², the error measure of llama.cpp's test-backend-ops.
func nmse(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var num = 0.0, den = 0.0
    for (x, y) in zip(a, b) {
        num += Double(x - y) * Double(x - y)
        den += Double(y) * Double(y)
    }
    return num / max(den, 1e-30)
}
