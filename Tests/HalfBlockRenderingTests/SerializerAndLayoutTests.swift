import Foundation
import HalfBlockRendering
import Imaging
import Testing

@Suite struct ANSISerializerTests {
    /// Every escape sequence in the output is an SGR (`ESC [ digits/semicolons m`), every line
    /// that sets a colour ends with a reset, and monochrome output is plain text.
    @Test(arguments: GoldenCase.all.map(\.golden))
    func writesOnlySGRSequences(_ golden: String) throws {
        let testCase = try #require(GoldenCase.all.first { $0.golden == golden })
        let renderer = HalfBlockRenderer(colorMode: try #require(ColorMode(rawValue: testCase.mode)),
                                         dithering: testCase.dither ? .floydSteinberg : .none)
        let grid = renderer.render(try Fixtures.picture(testCase.picture), columns: testCase.columns)
        let output = ANSISerializer.serialize(grid)
        let withoutSGR = output.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(!withoutSGR.contains("\u{1B}"), "a non-SGR escape in \(golden)")
        #expect(!withoutSGR.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "a control character in \(golden)")
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "" && lines.count == grid.height + 1)
        for line in lines.dropLast() where line.contains("\u{1B}") {
            #expect(line.hasSuffix("\u{1B}[0m"), "\(golden): a coloured line without a reset")
        }
        if testCase.mode == "none" { #expect(!output.contains("\u{1B}"), "escape codes in monochrome output") }
    }

    @Test func defaultColouredRowsNeedNoReset() {
        var grid = CellGrid(width: 2, height: 2)
        grid[1, 0] = Cell(character: "▀", foreground: .ansi16(2))
        #expect(ANSISerializer.serialize(grid) == "  \n\u{1B}[32m▀\u{1B}[39m \u{1B}[0m\n")
    }

    @Test func codesForEveryKindOfColour() {
        var grid = CellGrid(width: 4, height: 1)
        grid[0, 0] = Cell(character: "▀", foreground: .ansi16(1), background: .ansi16(12))
        grid[0, 1] = Cell(character: "▀", foreground: .ansi16(1), background: .palette256(200))
        grid[0, 2] = Cell(character: "▀", foreground: .rgb(RGB(1, 2, 3)), background: .palette256(200))
        grid[0, 3] = Cell(character: "x")
        #expect(ANSISerializer.serialize(grid)
                == "\u{1B}[31;104m▀\u{1B}[48;5;200m▀\u{1B}[38;2;1;2;3m▀\u{1B}[39;49mx\u{1B}[0m\n")
    }
}

@Suite struct LayoutTests {
    @Test func rowsKeepTheProportions() {
        let renderer = HalfBlockRenderer()
        #expect(renderer.rows(forImageWidth: 512, height: 512, columns: 80) == 40)
        #expect(renderer.rows(forImageWidth: 512, height: 256, columns: 80) == 20)
        #expect(renderer.rows(forImageWidth: 100, height: 1, columns: 10) == 1)
        #expect(HalfBlockRenderer(cellAspectRatio: 0.45).rows(forImageWidth: 100, height: 100, columns: 100) == 45)
        #expect(renderer.render(RGBImage(width: 64, height: 64, filledWith: .white), columns: 20).height == 10)
    }

    @Test func columnsShrinkToFitARowLimit() {
        let renderer = HalfBlockRenderer()
        #expect(renderer.columnsFitting(imageWidth: 100, height: 100, maxColumns: 80, maxRows: 1000) == 80)
        let columns = renderer.columnsFitting(imageWidth: 10, height: 1000, maxColumns: 80, maxRows: 100)
        #expect(renderer.rows(forImageWidth: 10, height: 1000, columns: columns) <= 100)
        #expect(renderer.rows(forImageWidth: 10, height: 1000, columns: columns + 1) > 100)
        #expect(renderer.columnsFitting(imageWidth: 1, height: 1_000_000, maxColumns: 80, maxRows: 10) == 1)
    }

    /// A picture too tall for the row limit even at one column is squeezed into the limit, its
    /// top still on top: a 1×400,000 PNG used to become a 100,000-row grid.
    @Test func aPictureTooTallForOneColumnIsSqueezedIntoTheRowLimit() {
        let renderer = HalfBlockRenderer()
        let height = 400_000
        let pixels = (0 ..< height).flatMap { y -> [UInt8] in y < height / 2 ? [255, 0, 0] : [0, 0, 255] }
        let picture = RGBImage(width: 1, height: height, pixels: pixels)
        let columns = renderer.columnsFitting(imageWidth: 1, height: height, maxColumns: 8, maxRows: 4)
        let grid = renderer.render(picture, columns: columns, maxRows: 4)
        #expect(grid.width == 1 && grid.height == 4)
        #expect(grid[0, 0].foreground == .rgb(RGB(255, 0, 0)) && grid[3, 0].background == .rgb(RGB(0, 0, 255)))
        #expect(renderer.render(RGBImage(width: 64, height: 64, filledWith: .white), columns: 20, maxRows: 100).height == 10,
                "a limit the picture is within changes nothing")
    }

    @Test func colourModeFromTheEnvironment() {
        #expect(TerminalDefaults.colorMode(environment: ["COLORTERM": "truecolor", "TERM": "xterm-256color"]) == .truecolor)
        #expect(TerminalDefaults.colorMode(environment: ["COLORTERM": "24bit"]) == .truecolor)
        #expect(TerminalDefaults.colorMode(environment: ["TERM": "xterm-direct"]) == .truecolor)
        #expect(TerminalDefaults.colorMode(environment: ["TERM": "tmux-256color"]) == .palette256)
        #expect(TerminalDefaults.colorMode(environment: ["TERM": "xterm"]) == .ansi16)
        #expect(TerminalDefaults.colorMode(environment: [:]) == .ansi16)
        #expect(TerminalDefaults.colorMode(environment: ["TERM": "dumb"]) == .monochrome)
        #expect(TerminalDefaults.colorMode(environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"]) == .monochrome)
        #expect(TerminalDefaults.colorMode(environment: ["NO_COLOR": "", "COLORTERM": "truecolor"]) == .truecolor)
    }

    @Test func colourModeRaisedByTheTerminfoEntry() {
        let kittyOverSSH = ["TERM": "xterm-kitty"]
        #expect(TerminalDefaults.colorMode(environment: kittyOverSSH, terminfo: TerminfoColors(colors: 256, directColor: true)) == .truecolor)
        #expect(TerminalDefaults.colorMode(environment: kittyOverSSH, terminfo: TerminfoColors(colors: 256, directColor: false)) == .palette256)
        #expect(TerminalDefaults.colorMode(environment: kittyOverSSH, terminfo: TerminfoColors(colors: 8, directColor: false)) == .ansi16)
        #expect(TerminalDefaults.colorMode(environment: kittyOverSSH, terminfo: nil) == .ansi16)
        // The entry never lowers what the environment asks for, and never overrides NO_COLOR or dumb.
        let truecolor = ["COLORTERM": "truecolor", "TERM": "xterm"]
        #expect(TerminalDefaults.colorMode(environment: truecolor, terminfo: TerminfoColors(colors: 8, directColor: false)) == .truecolor)
        let noColor = ["NO_COLOR": "1", "TERM": "xterm-kitty"]
        #expect(TerminalDefaults.colorMode(environment: noColor, terminfo: TerminfoColors(colors: 256, directColor: true)) == .monochrome)
        #expect(TerminalDefaults.colorMode(environment: ["TERM": "dumb"], terminfo: TerminfoColors(colors: 256, directColor: true)) == .monochrome)
    }

    @Test func defaultColumns() {
        #expect(TerminalDefaults.columns(terminalColumns: 120, pictureWidth: 512) == 120)
        #expect(TerminalDefaults.columns(terminalColumns: nil, pictureWidth: 512) == 80)
        #expect(TerminalDefaults.columns(terminalColumns: 0, pictureWidth: 512) == 80)
        #expect(TerminalDefaults.columns(terminalColumns: 200, pictureWidth: 64) == 64)
        #expect(TerminalDefaults.columns(terminalColumns: nil, pictureWidth: 16) == 16)
    }
}
