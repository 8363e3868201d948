import Foundation
import HalfBlockRendering
import Imaging
import Testing

/// Synthetic pictures rendered in every colour mode, against golden grids from an independent
/// implementation of the same rules.
@Suite struct GoldenGridTests {
    static let goldenNames = GoldenCase.all.map(\.golden)

    @Test func everyModeAndPictureIsCovered() {
        let cases = GoldenCase.all
        #expect(cases.count >= 40)
        #expect(Set(cases.map(\.mode)) == ["truecolor", "256", "16", "none"])
        #expect(Set(cases.map(\.picture)).isSuperset(of: ["solid", "twotone", "gradient", "checker1px", "checker2px", "world"]))
        #expect(cases.contains { $0.dither && $0.mode == "256" } && cases.contains { $0.dither && $0.mode == "16" })
    }

    @Test(arguments: goldenNames)
    func matchesGolden(_ golden: String) throws {
        let testCase = try #require(GoldenCase.all.first { $0.golden == golden })
        let mode = try #require(ColorMode(rawValue: testCase.mode))
        let renderer = HalfBlockRenderer(colorMode: mode, dithering: testCase.dither ? .floydSteinberg : .none)
        let grid = renderer.render(try Fixtures.picture(testCase.picture), columns: testCase.columns)
        let expected = try Fixtures.text(golden)
        let actual = grid.textDump()
        #expect(actual == expected, "\(golden):\n\(actual)")
        if let ansi = testCase.ansi {
            #expect(ANSISerializer.serialize(grid) == (try Fixtures.text(ansi)), "\(ansi)")
        }
    }

    // MARK: - What the goldens mean, spelled out

    @Test func twoToneCellShowsTopAndBottom() throws {
        let grid = HalfBlockRenderer().render(try Fixtures.picture("twotone"), columns: 6)
        #expect(grid.width == 6 && grid.height == 1)
        #expect(grid[0, 0] == Cell(character: "▀", foreground: .rgb(RGB(220, 30, 30)), background: .rgb(RGB(30, 60, 220))))
    }

    @Test func shrinkingAveragesInLinearLight() throws {
        // A 1-pixel checkerboard of black and white is the grey it looks like: sRGB 188.
        let grid = HalfBlockRenderer().render(try Fixtures.picture("checker1px"), columns: 4)
        #expect(grid.cells.allSatisfy { $0.foreground == .rgb(RGB(188, 188, 188)) && $0.background == .rgb(RGB(188, 188, 188)) })
    }

    @Test func growingKeepsFlatColoursCrisp() throws {
        let picture = try Fixtures.picture("world")
        let colors = Set((0 ..< picture.height).flatMap { y in (0 ..< picture.width).map { x in picture[x, y] } })
        let grid = HalfBlockRenderer().render(picture, columns: 32)
        let rendered = Set(grid.cells.flatMap { [$0.foreground, $0.background] })
        #expect(rendered == Set(colors.map { TerminalColor.rgb($0) }), "no blended colours at edges")
    }

    @Test func paletteColoursMapToThemselves() {
        for (color, terminalColor) in Palette.xterm240.entries + Palette.ansi16.entries {
            let palette: ColorMode = {
                if case .ansi16 = terminalColor { return .ansi16 }
                return .palette256
            }()
            let grid = HalfBlockRenderer(colorMode: palette).render(RGBImage(width: 1, height: 2, filledWith: color), columns: 1)
            #expect(grid[0, 0].foreground == terminalColor && grid[0, 0].background == terminalColor, "\(color)")
        }
        #expect(Palette.xterm240.entries.count == 240)
        #expect(Palette.xterm240.entries.first?.terminalColor == .palette256(16))
        #expect(Palette.xterm240.entries.last?.color == RGB(238, 238, 238))
    }
}
