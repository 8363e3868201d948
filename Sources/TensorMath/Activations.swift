import Foundation

// MARK: - Activations

/// SwiGLU gate: gate[i] = silu(gate[i]) · up[i], with silu(z) = z · sigmoid(z).
/// Precondition: both pointers valid for `n` floats.
public func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, n: Int) {
    for i in 0..<n {
        let z = gate[i]
        gate[i] = z / (1 + expf(-z)) * up[i]
    }
}

/// x[i] += y[i] for `n` floats (residual connections).
public func addInPlace(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { x[i] += y[i] }
}
