// MARK: - Dot products
//
// The inner loops of every matrix product. They read 16 floats at a time through SIMD16 so the
// compiler emits the widest vectors the target allows, and keep two accumulators to hide the
// add latency. Plain `*` and `+` are used rather than `addingProduct`, which on a baseline x86-64
// target becomes a per-lane call to `fmaf`.

/// Σ a[i]·b[i] for i in 0..<n. Precondition: both pointers valid for `n` floats.
@inline(__always)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var i = 0
    while i + 32 <= n {
        acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        acc1 += ra.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
        i += 32
    }
    if i + 16 <= n {
        acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    var sum = (acc0 + acc1).sum()
    while i < n {
        sum += a[i] * b[i]
        i += 1
    }
    return sum
}

/// Four dot products that share one weight row `w`: out[r] = Σ x_r[i]·w[i].
/// Reading `w` once for four activation rows is what makes batched decoding cheap.
@inline(__always)
func dot4(
    _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ x2: UnsafePointer<Float>,
    _ x3: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ n: Int
) -> SIMD4<Float> {
    var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
    let rw = UnsafeRawPointer(w)
    let r0 = UnsafeRawPointer(x0), r1 = UnsafeRawPointer(x1)
    let r2 = UnsafeRawPointer(x2), r3 = UnsafeRawPointer(x3)
    var i = 0
    while i + 16 <= n {
        let off = i * 4
        let wv = rw.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self)
        a0 += r0.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self) * wv
        a1 += r1.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self) * wv
        a2 += r2.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self) * wv
        a3 += r3.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self) * wv
        i += 16
    }
    var out = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
    while i < n {
        let wv = w[i]
        out += SIMD4(x0[i], x1[i], x2[i], x3[i]) * wv
        i += 1
    }
    return out
}
