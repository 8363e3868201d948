import CKernels

// MARK: - Blocked matrix product C += A · B
//
// The engine of the convolutions and of the VQGAN's spatial attention. A is read in place
// (row-major, e.g. a convolution's (out, in·k·k) weights); B is copied, a block of `kBlock` rows at
// a time, into panels of `panelWidth` columns stored k-major, so the inner loop (the C tile kernel
// `ok_gemm_tile_f32`, AVX-512 where the CPU has it) reads one panel row (16 floats, one vector)
// and eight scalars of A per step and keeps an 8 × 16 tile of C in registers.
// Who fills the panels is a parameter (`PanelPacker`): a plain matrix, or the implicit im2col of a
// convolution, which never materialises the whole unfolded input.

/// Columns of B in one packed panel (16 floats per k).
let panelWidth = Int(OK_PANEL_WIDTH)
/// Rows of A in one register tile.
let tileRows = Int(OK_TILE_ROWS)
/// Rows of B packed per block: 256 floats × 16 columns = 16 KB per panel, an L1-sized piece.
let kBlock = 256
/// Panels packed together per block (128 columns of C), reused by every tile row of A.
let panelsPerGroup = 8

/// Supplies B to ``blockedProduct(m:n:k:a:lda:c:ldc:packer:)`` one panel at a time.
protocol PanelPacker {
    /// Writes B[kStart + kk, nStart + j] to `destination[kk * panelWidth + j]` for
    /// kk in 0..<kCount and j in 0..<panelWidth, with zeros for columns at or beyond n.
    func pack(kStart: Int, kCount: Int, nStart: Int, into destination: UnsafeMutablePointer<Float>)
}

/// A row-major matrix B (k × n, leading dimension `ldb`) as a panel packer.
struct MatrixPacker: PanelPacker {
    let b: UnsafePointer<Float>
    let ldb: Int
    let n: Int

    @inline(__always)
    func pack(kStart: Int, kCount: Int, nStart: Int, into destination: UnsafeMutablePointer<Float>) {
        let valid = Swift.min(panelWidth, n - nStart)
        if valid == panelWidth {
            for kk in 0..<kCount {
                (destination + kk * panelWidth).update(from: b + (kStart + kk) * ldb + nStart, count: panelWidth)
            }
        } else {
            for kk in 0..<kCount {
                let row = b + (kStart + kk) * ldb + nStart
                let out = destination + kk * panelWidth
                for j in 0..<panelWidth { out[j] = j < valid ? row[j] : 0 }
            }
        }
    }
}

/// C[m × n] += A[m × k] · B[k × n], with B supplied by `packer`.
///
/// Threads split the columns of C, each packing its own panels; every call of the packer and
/// every tile of C belongs to exactly one thread. C must be initialised by the caller (zeros or
/// a bias). Precondition: `a` valid for m rows of `lda` floats (k used), `c` for m rows of `ldc`
/// floats (n used), and `c` does not alias A or the packer's source.
func blockedProduct<Packer: PanelPacker>(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    packer: Packer
) {
    guard m > 0, n > 0, k > 0 else { return }
    let panels = (n + panelWidth - 1) / panelWidth
    // Enough work per chunk that waking a thread pays off: about 1 M multiply-adds (~0.1 ms).
    let minPanels = Swift.max(1, 1 << 20 / Swift.max(1, m * k * panelWidth))
    parallelChunks(count: panels, minChunk: minPanels) { panelRange in
        let capacity = panelsPerGroup * kBlock * panelWidth
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var groupStart = panelRange.lowerBound
        while groupStart < panelRange.upperBound {
            let groupCount = Swift.min(panelsPerGroup, panelRange.upperBound - groupStart)
            var kStart = 0
            while kStart < k {
                let kCount = Swift.min(kBlock, k - kStart)
                for p in 0..<groupCount {
                    packer.pack(kStart: kStart, kCount: kCount, nStart: (groupStart + p) * panelWidth,
                                into: buffer + p * kCount * panelWidth)
                }
                var row = 0
                while row < m {
                    let rows = Swift.min(tileRows, m - row)
                    for p in 0..<groupCount {
                        let column = (groupStart + p) * panelWidth
                        ok_gemm_tile_f32(
                            Int32(rows), Int32(Swift.min(panelWidth, n - column)), Int64(kCount),
                            a + row * lda + kStart, Int64(lda),
                            buffer + p * kCount * panelWidth,
                            c + row * ldc + column, Int64(ldc))
                    }
                    row += tileRows
                }
                kStart += kCount
            }
            groupStart += groupCount
        }
    }
}

// MARK: - Public product of two row-major matrices

/// C = A · B (or C += A · B when `accumulate`), all row-major.
///
/// - a: (m, k) with leading dimension `lda`; b: (k, n) with `ldb`; c: (m, n) with `ldc`.
///
/// Precondition: the pointers are valid for those sizes and `c` aliases neither `a` nor `b`.
public func matmul(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool = false
) {
    if !accumulate {
        for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) }
    }
    blockedProduct(m: m, n: n, k: k, a: a, lda: lda, c: c, ldc: ldc,
                   packer: MatrixPacker(b: b, ldb: ldb, n: n))
}
