import Foundation
import Imaging
import Testing
@testable import VQGAN

/// The progressive preview: per-code patches from the decoder, a picture that paints them as codes
/// arrive and gives way to the decoded picture, and the patch table's disk cache.
@Suite struct PreviewTests {
    @Test func patchesAreTheReferenceDecodersPictureOfTheCodeAlone() throws {
        // The fixtures decode 2×2 grids of code 0 and of the last code with PyTorch; with context
        // 2 the table keeps the patch at grid position (1, 1) of exactly that picture.
        let model = try VQGANFixtures.model("plain")
        let table = try PatchTable.build(from: model, context: 2)
        #expect(table.codebookSize == model.codebookSize && table.patchSide == model.pixelsPerCode)
        let reference = try VQGANFixtures.reference("plain")
        var checked = 0
        for decode in reference.decodes where decode.grid_width == 2 && decode.grid_height == 2 && Set(decode.codes).count == 1 {
            let expected = try VQGANFixtures.bytes("plain", decode.rgb)
            let side = table.patchSide, code = decode.codes[0]
            for y in 0..<side {
                for x in 0..<side {
                    for c in 0..<3 {
                        let want = Int(expected[((side + y) * 2 * side + side + x) * 3 + c])
                        let got = Int(table.pixels[code * table.patchBytes + (y * side + x) * 3 + c])
                        #expect(abs(want - got) <= 1, "code \(code) pixel (\(x), \(y))")
                    }
                }
            }
            checked += 1
        }
        #expect(checked == 2)
    }

    @Test(arguments: [1, 3])
    func patchIsTheCentreOfTheCodesGrid(context: Int) throws {
        let model = try VQGANFixtures.model("plain")
        let table = try PatchTable.build(from: model, context: context)
        let side = table.patchSide
        for code in [0, 17, model.codebookSize - 1] {
            let picture = try model.decode(codes: [Int](repeating: code, count: context * context), gridWidth: context, gridHeight: context)
            let rgb = RGBImage(normalizedCHW: picture.values, width: picture.width, height: picture.height).pixels
            let offset = (context / 2) * side
            for y in 0..<side {
                let row = ((offset + y) * picture.width + offset) * 3
                let patchRow = code * table.patchBytes + y * side * 3
                #expect(Array(rgb[row..<(row + side * 3)]) == Array(table.pixels[patchRow..<(patchRow + side * 3)]))
            }
        }
    }

    /// A configuration whose preview table would be huge (2^20 codes of 128x128 pixels is 51 GB)
    /// is refused before anything is allocated or decoded; the chat then draws without previews.
    @Test func aTableLargerThanTheLimitIsRefused() throws {
        let model = try VQGANFixtures.model("plain")
        let bytes = model.codebookSize * model.pixelsPerCode * model.pixelsPerCode * 3
        #expect(try PatchTable.build(from: model, maxBytes: bytes).pixels.count == bytes)
        #expect(throws: VQGANError.self) { _ = try PatchTable.build(from: model, maxBytes: bytes - 1) }
    }

    @Test func pictureShowsEachCodesPatchAsItArrivesThenTheDecodedPicture() throws {
        let model = try VQGANFixtures.model("plain")
        let table = try PatchTable.build(from: model)
        let codes = try VQGANFixtures.reference("plain").codes[1]
        var picture = ProgressivePicture(table: table, gridSide: model.gridSide, background: 7)
        #expect(picture.side == model.resolution && picture.rgb.allSatisfy { $0 == 7 })
        let side = table.patchSide
        for (position, code) in codes.enumerated() {
            let region = try picture.append(code)
            #expect(region == PictureRegion(x: (position % model.gridSide) * side, y: (position / model.gridSide) * side, width: side, height: side))
            for y in 0..<side {
                let start = ((region.y + y) * picture.side + region.x) * 3
                let patch = code * table.patchBytes + y * side * 3
                #expect(Array(picture.rgb[start..<(start + side * 3)]) == Array(table.pixels[patch..<(patch + side * 3)]))
            }
            // Pixels of codes not yet sampled keep the background.
            if position + 1 < codes.count {
                let next = ((((position + 1) / model.gridSide) * side) * picture.side + ((position + 1) % model.gridSide) * side) * 3
                #expect(picture.rgb[next] == 7)
            }
        }
        #expect(picture.isComplete && !picture.isDecoded)
        #expect(throws: VQGANError.wrongCodeCount(expected: codes.count, found: codes.count + 1)) { try picture.append(0) }
        try picture.finish(with: model)
        #expect(picture.isDecoded)
        #expect(picture.image == (try model.decodePicture(codes: codes)))
    }

    @Test func pictureRefusesBadCodesAndEarlyOrMisfitFinishes() throws {
        let model = try VQGANFixtures.model("plain")
        let table = PatchTable(codebookSize: 4, patchSide: 2, pixels: [UInt8](repeating: 1, count: 4 * 2 * 2 * 3))
        var picture = ProgressivePicture(table: table, gridSide: 3)
        #expect(throws: VQGANError.codeOutOfRange(code: 4, position: 0, codebookSize: 4)) { try picture.append(4) }
        try picture.append(3)
        #expect(picture.codes == [3])
        #expect(throws: VQGANError.wrongCodeCount(expected: 9, found: 1)) { try picture.finish(with: model) }
        #expect(throws: VQGANError.wrongPictureSize(expected: 6, width: 1, height: 1)) {
            try picture.replace(withDecoded: RGBImage(width: 1, height: 1, pixels: [1, 2, 3]))
        }
    }

    @Test func cachedTableIsReusedAndAWrongFileIsNamed() throws {
        let model = try VQGANFixtures.model("plain")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vq-patches-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try PatchTableCache.load(for: model, context: 1, from: directory) == nil)
        let first = try PatchTableCache.table(for: model, context: 1, cacheDirectory: directory)
        #expect(!first.fromCache)
        let second = try PatchTableCache.table(for: model, context: 1, cacheDirectory: directory)
        #expect(second.fromCache && second.table == first.table)
        // Another context is another file.
        #expect(try PatchTableCache.load(for: model, context: 3, from: directory) == nil)

        let url = PatchTableCache.fileURL(for: model, context: 1, in: directory)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 5).write(to: url)
        #expect(throws: VQGANError.patchCache(path: url.path, reason: "is \(bytes.count - 5) bytes, expected \(bytes.count)")) {
            try PatchTableCache.load(for: model, context: 1, from: directory)
        }
        try Data("not a table".utf8).write(to: url)
        #expect(throws: VQGANError.patchCache(path: url.path, reason: "is not a patch table")) {
            try PatchTableCache.load(for: model, context: 1, from: directory)
        }
        // A damaged cache costs a rebuild, not an error.
        let rebuilt = try PatchTableCache.table(for: model, context: 1, cacheDirectory: directory)
        #expect(!rebuilt.fromCache && rebuilt.table == first.table)
    }

    @Test func fingerprintsTellModelsApart() throws {
        let a = try VQGANFixtures.model("plain"), b = try VQGANFixtures.model("no_level_blocks")
        #expect(a.fingerprint != b.fingerprint)
        let again = try VQGAN(checkpoint: .init(at: VQGANFixtures.directory("plain")), config: VQGANFixtures.config("plain"), path: "again")
        #expect(again.fingerprint == a.fingerprint)
    }
}
