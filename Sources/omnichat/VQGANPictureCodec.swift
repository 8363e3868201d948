import ChatUI
import Foundation
import Imaging
import VQGAN

/// The chat's pictures through the model's own VQGAN: each code paints its preview patch the
/// moment it is sampled (`ProgressivePicture`), the finished grid is decoded in full, and
/// attached PNGs are encoded as the reference engine prepares them (flattened on white, short
/// side resized with Lanczos, centre crop).
///
/// A checkpoint with only half a VQGAN still works for the half it has: without a decoder the
/// pictures show their codes' progress as grey squares (and say so), without an encoder
/// attaching is refused.
struct VQGANPictureCodec: PictureCodec {
    let vqgan: VQGAN
    /// Per-code preview patches; nil when they could not be built (previews are then squares).
    let patches: PatchTable?
    private let fallback = UnavailablePictureCodec()

    /// The codec of the model in `directory`, with preview patches cached in `cacheDirectory`;
    /// nil when the checkpoint has no image tokenizer at all. `note` hears about the one slow
    /// step (building the patches when they are not cached yet).
    static func forModel(directory: URL, cacheDirectory: URL?, note: (String) -> Void = { _ in }) -> VQGANPictureCodec? {
        guard let vqgan = try? loadVQGAN(directory: directory) else { return nil }
        guard vqgan.canDecode else { return VQGANPictureCodec(vqgan: vqgan, patches: nil) }
        let cached = cacheDirectory.map { FileManager.default.fileExists(atPath: PatchTableCache.fileURL(for: vqgan, context: 1, in: $0).path) } ?? false
        if !cached { note("preparing picture previews for this model (once; cached afterwards)") }
        let patches = try? PatchTableCache.table(for: vqgan, cacheDirectory: cacheDirectory).table
        return VQGANPictureCodec(vqgan: vqgan, patches: patches)
    }

    var limitation: String? { vqgan.canDecode ? nil : fallback.limitation }

    func preview(codes: [Int], total: Int) throws -> RGBImage {
        guard let patches, total == vqgan.codesPerPicture else { return try fallback.preview(codes: codes, total: total) }
        var picture = ProgressivePicture(table: patches, gridSide: vqgan.gridSide)
        for code in codes { try picture.append(code) }
        return picture.image
    }

    func decode(codes: [Int]) throws -> RGBImage {
        guard vqgan.canDecode else { return try fallback.decode(codes: codes) }
        return try vqgan.decodePicture(codes: codes)
    }

    func encode(_ picture: RGBImage) throws -> [Int] {
        guard vqgan.canEncode else { throw PictureCodecError("this model's checkpoint has no picture encoder, so pictures cannot be attached") }
        let side = vqgan.resolution
        return try vqgan.encode(picture.resizedAndCenterCropped(shortestSide: side, cropWidth: side, cropHeight: side))
    }
}
