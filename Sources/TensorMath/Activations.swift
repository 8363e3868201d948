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

/// x[i] += y[i] · scale for `n` floats (attention's weighted sum of values).
public func addScaled(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ scale: Float, n: Int) {
    var i = 0
    let factor = SIMD16<Float>(repeating: scale)
    let rx = UnsafeMutableRawPointer(x), ry = UnsafeRawPointer(y)
    while i + 16 <= n {
        let sum = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            + ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * factor
        rx.storeBytes(of: sum, toByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        x[i] += y[i] * scale
        i += 1
    }
}

/// x[i] += y[i] for `n` floats (residual connections).
public func addInPlace(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, n: Int) {
    for i in 0..<n { x[i] += y[i] }
}
