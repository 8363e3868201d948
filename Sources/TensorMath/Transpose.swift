// MARK: - Matrix transpose

/// dst[j, i] = src[i, j] for a (rows × columns) row-major `src`, in 32 × 32 tiles so both sides
/// are read and written a cache line at a time.
/// Precondition: both pointers valid for rows · columns floats, not overlapping.
public func transpose(_ src: UnsafePointer<Float>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>) {
    let tile = 32
    let rowTiles = (rows + tile - 1) / tile
    parallelChunks(count: rowTiles, minChunk: Swift.max(1, 16_384 / Swift.max(1, tile * columns))) { range in
        for rt in range {
            let r0 = rt * tile, r1 = Swift.min(rows, r0 + tile)
            var c0 = 0
            while c0 < columns {
                let c1 = Swift.min(columns, c0 + tile)
                for r in r0..<r1 {
                    for c in c0..<c1 { dst[c * rows + r] = src[r * columns + c] }
                }
                c0 = c1
            }
        }
    }
}
