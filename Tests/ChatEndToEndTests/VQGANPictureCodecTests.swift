import ChatUI
import Foundation
import Imaging
import Testing
import VQGAN
@testable import omnichat

/// The chat's pictures through the fixture models' VQGANs: previews patch by patch, the full
/// decode, encoding attached pictures, and honesty about what a checkpoint lacks.
@Suite struct VQGANPictureCodecTests {
    static let engines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine")

    @Test func previewsFillInCodeByCodeAndTheDecodeIsTheVQGANs() throws {
        let codec = try #require(VQGANPictureCodec.forModel(directory: Self.engines.appendingPathComponent("plain"), cacheDirectory: nil))
        #expect(codec.limitation == nil)
        let vqgan = codec.vqgan
        let codes = (0 ..< vqgan.codesPerPicture).map { ($0 * 7) % vqgan.codebookSize }
        let table = try #require(codec.patches)
        var expected = ProgressivePicture(table: table, gridSide: vqgan.gridSide)
        for (count, code) in codes.enumerated() {
            #expect(try codec.preview(codes: Array(codes.prefix(count)), total: codes.count) == expected.image)
            try expected.append(code)
        }
        #expect(try codec.preview(codes: codes, total: codes.count) == expected.image)
        #expect(try codec.decode(codes: codes) == vqgan.decodePicture(codes: codes))
    }

    @Test func attachedPicturesAreEncodedAtTheModelsResolution() throws {
        let codec = try #require(VQGANPictureCodec.forModel(directory: Self.engines.appendingPathComponent("plain"), cacheDirectory: nil))
        let vqgan = codec.vqgan
        try #require(vqgan.canEncode)
        let picture = RGBImage(width: 3 * vqgan.resolution, height: 2 * vqgan.resolution, filledWith: RGB(200, 30, 30))
        let codes = try codec.encode(picture)
        #expect(codes.count == vqgan.codesPerPicture)
        let side = vqgan.resolution
        #expect(codes == (try vqgan.encode(picture.resizedAndCenterCropped(shortestSide: side, cropWidth: side, cropHeight: side))))
    }

    @Test func aCheckpointWithoutADecoderSaysSo() throws {
        // gqa_bias keeps only the VQGAN's encoder.
        let codec = try #require(VQGANPictureCodec.forModel(directory: Self.engines.appendingPathComponent("gqa_bias"), cacheDirectory: nil))
        #expect(!codec.vqgan.canDecode)
        #expect(codec.limitation == UnavailablePictureCodec().limitation)
        let codes = Array(repeating: 0, count: codec.vqgan.codesPerPicture)
        #expect(try codec.decode(codes: codes) == UnavailablePictureCodec().decode(codes: codes))
    }
}
