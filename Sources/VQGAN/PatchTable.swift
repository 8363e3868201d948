import Imaging
import TensorMath

// MARK: - One small picture per code, for the progressive preview
//
// The decoder mixes neighbouring codes, so a code's true pixels are known only once the whole
// grid is. A good stand-in while codes arrive is what the decoder makes of that code alone: a
// `context` × `context` grid filled with the code, decoded once per model, and the centre
// patch (pixelsPerCode × pixelsPerCode pixels) kept. Painting a patch is then a copy.

/// The preview patch of every code: `codebookSize` RGB pictures of `patchSide` × `patchSide`.
public struct PatchTable: Sendable, Equatable {
    public let codebookSize: Int
    /// Pixels per side of one patch (the decoder's pixels per code).
    public let patchSide: Int
    /// Patch after patch, each `patchSide` rows of interleaved RGB: codebookSize · patchSide² · 3 bytes.
    public let pixels: [UInt8]

    /// Bytes of one patch.
    public var patchBytes: Int { patchSide * patchSide * 3 }

    /// A table from its bytes. Precondition: `pixels.count == codebookSize · patchSide² · 3`.
    public init(codebookSize: Int, patchSide: Int, pixels: [UInt8]) {
        precondition(pixels.count == codebookSize * patchSide * patchSide * 3, "PatchTable: \(pixels.count) bytes")
        self.codebookSize = codebookSize
        self.patchSide = patchSide
        self.pixels = pixels
    }

    /// The largest table `build` makes (Chameleon's: 8,192 codes of 16x16 pixels, 6 MiB).
    public static let maxBytes = 256 << 20

    /// Decodes every code of `vqgan`'s codebook on its own.
    ///
    /// - Parameter context: side of the code grid each code is decoded in (filled with that code),
    ///   at least 1; the centre patch is kept. 1 is cheapest (about codebookSize / codesPerPicture
    ///   full decodes); 3 lets the patch see itself as neighbour, as it would in a flat region,
    ///   for 9 times the cost.
    /// - Throws: ``VQGANError/noDecoder(path:)`` when the checkpoint has no decoder,
    ///   ``VQGANError/unsupportedConfig(path:reason:)`` when the table would pass `maxBytes`
    ///   (default: `PatchTable.maxBytes`).
    public static func build(from vqgan: VQGAN, context: Int = 1, maxBytes: Int = maxBytes) throws(VQGANError) -> PatchTable {
        guard vqgan.canDecode else { throw .noDecoder(path: vqgan.path) }
        precondition(context >= 1, "PatchTable: context \(context)")
        let side = vqgan.pixelsPerCode, count = vqgan.codebookSize
        let patchBytes = side * side * 3
        // A configuration may ask for 2^20 codes of 128x128 pixels (51 GB); previews are a
        // convenience, so such a table is refused and the chat draws without them.
        guard count <= maxBytes / max(1, patchBytes) else {
            throw .unsupportedConfig(path: vqgan.path, reason: "a preview table of \(count) codes of \(side)x\(side) pixels "
                                     + "would take more than \(maxBytes >> 20) MiB")
        }
        let offset = (context / 2) * side
        var pixels = [UInt8](repeating: 0, count: count * patchBytes)
        pixels.withUnsafeMutableBufferPointer { out in
            // Codes are independent: threads take codes, and each small decode stays on one thread.
            parallelChunks(count: count, minChunk: 8) { codes in
                for code in codes {
                    // The grid and the codes are valid by construction, so this cannot throw.
                    guard let picture = try? vqgan.decode(codes: [Int](repeating: code, count: context * context),
                                                          gridWidth: context, gridHeight: context) else {
                        preconditionFailure("PatchTable: decoding code \(code) failed")
                    }
                    let patch = RGBImage(normalizedCHW: picture.values, width: picture.width, height: picture.height)
                        .cropped(x: offset, y: offset, width: side, height: side)
                    patch.pixels.withUnsafeBufferPointer { bytes in
                        (out.baseAddress! + code * patchBytes).update(from: bytes.baseAddress!, count: patchBytes)
                    }
                }
            }
        }
        return PatchTable(codebookSize: count, patchSide: side, pixels: pixels)
    }
}
