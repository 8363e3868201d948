import Imaging
import Testing

/// Lanczos resizing against Pillow's `resize(..., LANCZOS)`: byte for byte.
@Suite struct LanczosResizeTests {
    static let caseNames = ResizeFixtures.loaded?.resize.map(\.name) ?? []
    static let preprocessNames = ResizeFixtures.loaded?.meta_preprocess.map(\.name) ?? []

    @Test func fixturesLoad() throws {
        let fixtures = try #require(ResizeFixtures.loaded, "resize.json is missing or unreadable")
        #expect(fixtures.resize.count >= 15 && fixtures.meta_preprocess.count >= 5)
    }

    @Test(arguments: caseNames)
    func matchesPillow(_ name: String) throws {
        let fixture = try #require(ResizeFixtures.loaded?.resize.first { $0.name == name })
        let source = RGBImage(width: fixture.width, height: fixture.height, pixels: bytes(fixture.pixels))
        let expected = RGBImage(width: fixture.target_width, height: fixture.target_height, pixels: bytes(fixture.expected))
        let resized = source.resizedLanczos(width: fixture.target_width, height: fixture.target_height)
        #expect(resized == expected, "\(name): \(firstDifference(resized, expected))")
    }

    /// Meta's `_resize` + `_center_crop` on odd aspect ratios, through the fused path and the
    /// two-step path.
    @Test(arguments: preprocessNames)
    func metaPreprocessingGeometry(_ name: String) throws {
        let fixture = try #require(ResizeFixtures.loaded?.meta_preprocess.first { $0.name == name })
        let source = RGBImage(width: fixture.width, height: fixture.height, pixels: bytes(fixture.pixels))
        let side = fixture.shortest_side
        let expected = RGBImage(width: side, height: side, pixels: bytes(fixture.expected))

        let resized = source.resizedShortestSide(to: side)
        #expect(resized.width == fixture.resized_width && resized.height == fixture.resized_height)
        let twoStep = resized.centerCropped(width: side, height: side)
        #expect(twoStep == expected, "\(name) two-step: \(firstDifference(twoStep, expected))")

        let fused = source.resizedAndCenterCropped(shortestSide: side, cropWidth: side, cropHeight: side)
        #expect(fused == expected, "\(name) fused: \(firstDifference(fused, expected))")
    }

    @Test func shortSideSizesMatchBothReferences() throws {
        let rows = try Fixtures.load([SizeRow].self, "sizes.json")
        #expect(rows.count >= 10)
        for row in rows {
            let meta = RGBImage.sizeAfterShortestSideResize(width: row.width, height: row.height,
                                                            shortestSide: row.shortest_side, rounding: .meta)
            let hf = RGBImage.sizeAfterShortestSideResize(width: row.width, height: row.height,
                                                          shortestSide: row.shortest_side, rounding: .huggingFace)
            #expect([meta.width, meta.height] == row.meta, "meta \(row.width)x\(row.height)")
            #expect([hf.width, hf.height] == row.huggingface, "hf \(row.width)x\(row.height)")
        }
        // The documented disagreement (chameleon-format.md §4.2).
        #expect(RGBImage.sizeAfterShortestSideResize(width: 300, height: 700, shortestSide: 512).height == 1195)
        #expect(RGBImage.sizeAfterShortestSideResize(width: 300, height: 700, shortestSide: 512, rounding: .huggingFace).height == 1194)
    }

    @Test func sameSizeIsACopy() {
        var image = RGBImage(width: 3, height: 2, filledWith: .black)
        image[1, 1] = RGB(10, 20, 30)
        #expect(image.resizedLanczos(width: 3, height: 2) == image)
    }

    @Test func windowEqualsFullResizeThenCrop() throws {
        let fixture = try #require(ResizeFixtures.loaded?.resize.first)
        let source = RGBImage(width: fixture.width, height: fixture.height, pixels: bytes(fixture.pixels))
        // Horizontal pass first, then vertical first (the height loses far more than the width).
        for (width, height) in [(50, 31), (50, 6), (20, 3)] {
            let full = source.resizedLanczos(width: width, height: height)
            let window = source.resizedLanczos(width: width, height: height, keepingColumns: 7 ..< 19, rows: 1 ..< height - 1)
            #expect(window == full.cropped(x: 7, y: 1, width: 12, height: height - 2), "\(width)x\(height)")
        }
    }
}
