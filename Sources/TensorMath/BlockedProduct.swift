// MARK: - Blocked matrix product C += A · B
//
// The engine of the convolutions and of the VQGAN's spatial attention. A is read in place
// (row-major, e.g. a convolution's (out, in·k·k) weights); B is copied, a block of `kBlock` rows at
// a time, into panels of `panelWidth` columns stored k-major, so the inner loop reads one panel
// row (8 floats) and four scalars of A per step and keeps a 4 × 8 tile of C in registers.
// Who fills the panels is a parameter (`PanelPacker`): a plain matrix, or the implicit im2col of a
// convolution, which never materialises the whole unfolded input.

/// Columns of B in one packed panel (8 floats per k).
let panelWidth = 8
/// Rows of A in one register tile.
let tileRows = 4
/// Rows of B packed per block: 256 floats × 8 columns = 8 KB per panel, an L1-sized piece.
let kBlock = 256
/// Panels packed together per block (128 columns of C), reused by every tile row of A.
let panelsPerGroup = 16

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
                        multiplyTile(
                            rows: rows, columns: Swift.min(panelWidth, n - column), kCount: kCount,
                            a: a + row * lda + kStart, lda: lda,
                            panel: buffer + p * kCount * panelWidth,
                            c: c + row * ldc + column, ldc: ldc)
                    }
                    row += tileRows
                }
                kStart += kCount
            }
            groupStart += groupCount
        }
    }
}

/// Eight accumulators: one row of a register tile.
typealias TileRow = (Float, Float, Float, Float, Float, Float, Float, Float)

/// C[0..<rows, 0..<columns] += A[0..<rows, 0..<kCount] · panel, the register-tile kernel.
/// Rows beyond `rows` read row 0 of A again and are not stored.
///
/// Written with 32 scalar accumulators rather than SIMD8 values: the optimiser vectorises them
/// as well (better, measured: 13.8 vs 8.4 GMAC/s on one core), and a debug build, where generic
/// SIMD operators are not inlined, runs it 20 times faster, which keeps the tests quick.
@inline(__always)
private func multiplyTile(
    rows: Int, columns: Int, kCount: Int,
    a: UnsafePointer<Float>, lda: Int,
    panel: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let a0 = a
    let a1 = rows > 1 ? a + lda : a
    let a2 = rows > 2 ? a + 2 * lda : a
    let a3 = rows > 3 ? a + 3 * lda : a
    var r0: TileRow = (0, 0, 0, 0, 0, 0, 0, 0)
    var r1 = r0, r2 = r0, r3 = r0
    var b = panel
    for kk in 0..<kCount {
        let x0 = a0[kk], x1 = a1[kk], x2 = a2[kk], x3 = a3[kk]
        let b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7]
        r0.0 += b0 * x0; r0.1 += b1 * x0; r0.2 += b2 * x0; r0.3 += b3 * x0
        r0.4 += b4 * x0; r0.5 += b5 * x0; r0.6 += b6 * x0; r0.7 += b7 * x0
        r1.0 += b0 * x1; r1.1 += b1 * x1; r1.2 += b2 * x1; r1.3 += b3 * x1
        r1.4 += b4 * x1; r1.5 += b5 * x1; r1.6 += b6 * x1; r1.7 += b7 * x1
        r2.0 += b0 * x2; r2.1 += b1 * x2; r2.2 += b2 * x2; r2.3 += b3 * x2
        r2.4 += b4 * x2; r2.5 += b5 * x2; r2.6 += b6 * x2; r2.7 += b7 * x2
        r3.0 += b0 * x3; r3.1 += b1 * x3; r3.2 += b2 * x3; r3.3 += b3 * x3
        r3.4 += b4 * x3; r3.5 += b5 * x3; r3.6 += b6 * x3; r3.7 += b7 * x3
        b += panelWidth
    }
    addTileRow(r0, to: c, columns: columns)
    if rows > 1 { addTileRow(r1, to: c + ldc, columns: columns) }
    if rows > 2 { addTileRow(r2, to: c + 2 * ldc, columns: columns) }
    if rows > 3 { addTileRow(r3, to: c + 3 * ldc, columns: columns) }
}

/// out[0..<columns] += values[0..<columns].
@inline(__always)
private func addTileRow(_ values: TileRow, to out: UnsafeMutablePointer<Float>, columns: Int) {
    if columns == panelWidth {
        out[0] += values.0; out[1] += values.1; out[2] += values.2; out[3] += values.3
        out[4] += values.4; out[5] += values.5; out[6] += values.6; out[7] += values.7
    } else {
        withUnsafeBytes(of: values) { raw in
            let v = raw.bindMemory(to: Float.self)
            for j in 0..<columns { out[j] += v[j] }
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
