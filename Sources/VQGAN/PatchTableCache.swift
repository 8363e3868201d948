import FileIO
import Foundation

// MARK: - The patch table on disk
//
// Building the table costs a few full decodes, so it is worth keeping between runs. The file
// name carries the model's weight fingerprint and the context, so a changed model never reads
// a stale table; the header repeats both, with the table's sizes, and is checked on load.
//
// Layout (little-endian): "OCPATCH1", fingerprint u64, context u32, codebook size u32,
// patch side u32, then the table's bytes.

/// Stores and finds ``PatchTable``s in a directory, keyed by model and context.
public enum PatchTableCache {
    static let magic = Array("OCPATCH1".utf8)
    static let headerSize = 8 + 8 + 4 + 4 + 4

    /// Where the table of `vqgan` for `context` lives in `directory`.
    public static func fileURL(for vqgan: VQGAN, context: Int, in directory: URL) -> URL {
        let key = String(vqgan.fingerprint, radix: 16)
        return directory.appendingPathComponent("vq-patches-\(String(repeating: "0", count: 16 - key.count))\(key)-c\(context).bin")
    }

    /// The cached table, or nil when there is none.
    /// - Throws: ``VQGANError/patchCache(path:reason:)`` for a file that is there but wrong.
    public static func load(for vqgan: VQGAN, context: Int, from directory: URL) throws(VQGANError) -> PatchTable? {
        let url = fileURL(for: vqgan, context: context, in: directory)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let bytes = try? FileIO.read(url.path, limit: 1 << 30) else { throw .patchCache(path: url.path, reason: "cannot be read") }
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else {
            throw .patchCache(path: url.path, reason: "is not a patch table")
        }
        func field(_ offset: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
        }
        let side = vqgan.pixelsPerCode, count = vqgan.codebookSize
        guard field(8, 8) == vqgan.fingerprint, field(16, 4) == UInt64(context),
              field(20, 4) == UInt64(count), field(24, 4) == UInt64(side) else {
            throw .patchCache(path: url.path, reason: "belongs to another model or context")
        }
        guard bytes.count == headerSize + count * side * side * 3 else {
            throw .patchCache(path: url.path, reason: "is \(bytes.count) bytes, expected \(headerSize + count * side * side * 3)")
        }
        return PatchTable(codebookSize: count, patchSide: side, pixels: Array(bytes[headerSize...]))
    }

    /// Writes `table` (built from `vqgan` with `context`) into `directory`, atomically.
    public static func store(_ table: PatchTable, for vqgan: VQGAN, context: Int, in directory: URL) throws(VQGANError) {
        let url = fileURL(for: vqgan, context: context, in: directory)
        var bytes = magic
        func append(_ value: UInt64, _ size: Int) {
            for i in 0..<size { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
        }
        append(vqgan.fingerprint, 8)
        append(UInt64(context), 4)
        append(UInt64(table.codebookSize), 4)
        append(UInt64(table.patchSide), 4)
        bytes += table.pixels
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw .patchCache(path: url.path, reason: "cannot be written: \(error.localizedDescription)")
        }
    }

    /// The cached table if there is a valid one, else a freshly built one, stored for next time.
    /// A cache that cannot be read or written is rebuilt or skipped: it only ever costs time.
    public static func table(for vqgan: VQGAN, context: Int = 1, cacheDirectory: URL?) throws(VQGANError) -> (table: PatchTable, fromCache: Bool) {
        if let cacheDirectory, let cached = try? load(for: vqgan, context: context, from: cacheDirectory) {
            return (cached, true)
        }
        let table = try PatchTable.build(from: vqgan, context: context)
        if let cacheDirectory { try? store(table, for: vqgan, context: context, in: cacheDirectory) }
        return (table, false)
    }
}
