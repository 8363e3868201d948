import Foundation
import Imaging
import Testing
@testable import VQGAN

/// The quantizer's tie rule and the checks on codes and pictures handed in.
@Suite struct CodeAndPictureTests {
    @Test func quantizerTakesTheFirstOfEqualDistances() {
        // Codes 1 and 3 are the same vector, code 2 is as far from (1, 0) as code 1 is.
        let book = Codebook(count: 4, dimension: 2, vectors: [5, 5, 1, 1, 1, -1, 1, 1])
        let latents = FeatureMap(channels: 2, height: 1, width: 3, values: [1, 1, 4, 1, 0, 5])
        // Positions: (1, 1) → code 1 (also 3); (1, 0) → codes 1 and 2 tie; (4, 5) → code 0.
        #expect(book.nearestCodes(latents) == [1, 1, 0])
    }

    @Test func codebookLookupLaysVectorsOutPerChannel() {
        let book = Codebook(count: 3, dimension: 2, vectors: [0, 1, 10, 11, 20, 21])
        let map = book.embedding([2, 0, 1, 1], height: 2, width: 2)
        #expect(map.values == [20, 0, 10, 10, 21, 1, 11, 11])
    }

    @Test func badCodesAndPicturesAreRefused() throws {
        let model = try VQGANFixtures.model("plain")
        var codes = [Int](repeating: 0, count: model.codesPerPicture)
        codes[5] = model.codebookSize
        #expect(throws: VQGANError.codeOutOfRange(code: model.codebookSize, position: 5, codebookSize: model.codebookSize)) {
            try model.decode(codes: codes)
        }
        codes[5] = -1
        #expect(throws: VQGANError.codeOutOfRange(code: -1, position: 5, codebookSize: model.codebookSize)) {
            try model.decode(codes: codes)
        }
        #expect(throws: VQGANError.wrongCodeCount(expected: 64, found: 3)) { try model.decode(codes: [1, 2, 3]) }
        #expect(throws: VQGANError.wrongCodeCount(expected: 0, found: 0)) { try model.decode(codes: [], gridWidth: 0, gridHeight: 3) }
        #expect(throws: VQGANError.wrongPictureSize(expected: 16, width: 32, height: 16)) {
            try model.encode(RGBImage(width: 32, height: 16, filledWith: .white))
        }
        #expect(throws: VQGANError.wrongPixelCount(expected: 768, found: 10)) { try model.encode(planar: [Float](repeating: 0, count: 10)) }
    }
}
