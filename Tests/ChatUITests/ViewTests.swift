@testable import ChatEngine
import HalfBlockRendering
import Imaging
import Testing
@testable import ChatUI

/// `view` against golden screens, and the properties every screen must have.
@Suite struct ViewTests {
    /// A conversation with a wrapped reply and a finished picture.
    func conversation(columns: Int = 40, rows: Int = 24, mode: ColorMode = .truecolor) -> AppState {
        var state = makeState(columns: columns, rows: rows, mode: mode)
        type("draw a red and blue flag", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.text("Here is a flag with a red top and a blue bottom:"), at: 2))
        _ = update(&state, .generation(.pictureBegan(index: 0, codesTotal: 4), at: 2))
        _ = update(&state, .generation(.pictureFinished(index: 0, codes: [1, 2, 3, 4]), at: 3))
        _ = update(&state, .pictureDecoded(number: 1, image: twoTonePicture(side: 16)))
        _ = update(&state, .generation(.finished(stats()), at: 4))
        _ = update(&state, .replyEnded(ReplyOutcome(
            message: ChatMessage(role: .assistant, segments: [.text("Here is a flag with a red top and a blue bottom:"), .picture(codes: [1, 2, 3, 4])]),
            userMessageAccepted: true, stats: stats(), error: nil, contextUsed: 57)))
        return state
    }

    /// 40 tokens in 2 s.
    func stats() -> GenerationStats {
        GenerationStats(promptTokens: 10, promptSeconds: 0.1, generatedTokens: 40, generationSeconds: 2, stopReason: nil, cancelled: false)
    }

    @Test func anEmptyChat() throws {
        try expectGolden(view(makeState(columns: 40, rows: 8)).textSnapshot(), "empty-40x8.txt")
    }

    @Test func aConversationWithAPicture() throws {
        let screen = view(conversation())
        try expectGolden(screen.textSnapshot(), "conversation-40x24.txt")
        try expectGolden(screen.styleSnapshot(), "conversation-40x24-styles.txt")
        try expectGolden(view(conversation(mode: .palette256)).styleSnapshot(), "conversation-40x24-styles-256.txt")
    }

    @Test func picturesAreDrawnWithTheRendererColours() throws {
        let state = conversation()
        let screen = view(state)
        let cells = try #require(state.pictures[1]?.cells)
        // Find the picture's first row on screen: the first cell drawn with '▀' in the indent column.
        let top = try #require((0 ..< screen.height).first { screen[$0, Layout.indent].cell.character == "▀" })
        for row in 0 ..< cells.height {
            for column in 0 ..< cells.width {
                #expect(screen[top + row, Layout.indent + column].cell == cells[row, column])
            }
        }
        #expect(screen[top, Layout.indent].cell.foreground == .rgb(RGB(255, 0, 0)))
        #expect(screen[top + cells.height - 1, Layout.indent].cell.background == .rgb(RGB(0, 0, 255)))
    }

    @Test func thePictureSpaceIsKeptBeforeTheFirstPixels() throws {
        var state = makeState(columns: 40, rows: 24)
        type("draw", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.pictureBegan(index: 0, codesTotal: 16), at: 2))
        let before = TranscriptLines.build(state, width: 40).count
        _ = update(&state, .picturePreview(number: 1, image: twoTonePicture(side: 16), codes: 1))
        #expect(TranscriptLines.build(state, width: 40).count == before)
        try expectGolden(view(state).textSnapshot(), "drawing-40x24.txt")
        try expectGolden(view(state).styleSnapshot(), "drawing-40x24-styles.txt")
    }

    @Test func aTooSmallWindowGetsAShortMessage() {
        let screen = view(makeState(columns: 18, rows: 5))
        #expect(screen.textSnapshot() == "\n Window too small\n    need 20×6\n\n")
        // Narrower than the message: wrapped, still whole.
        #expect(view(makeState(columns: 12, rows: 3)).textSnapshot() == " Window too\n   small\n need 20×6")
    }

    @Test func everySizeFromTinyToWideDrawsWithoutLeavingTheScreen() {
        let base = conversation()
        for columns in [1, 5, 19, 20, 21, 33, 80, 200] {
            for rows in [1, 3, 5, 6, 7, 13, 60] {
                var state = base
                _ = update(&state, .resize(TerminalSize(columns: columns, rows: rows)))
                let screen = view(state)
                #expect(screen.width == columns && screen.height == rows)
                if let cursor = screen.cursor { #expect(cursor.row < rows && cursor.column < columns) }
            }
        }
    }

    @Test func modelTextCannotReachTheTerminalAsControls() {
        var state = makeState(columns: 60, rows: 12)
        type("x", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.text("a\u{1B}]52;c;ZXZpbA==\u{07}b\u{9B}2J\u{202E}c\u{0}d"), at: 2))
        let screen = view(state)
        for row in 0 ..< screen.height {
            for column in 0 ..< screen.width {
                let character = screen[row, column].cell.character
                if character == Screen.wideTail { continue }
                #expect(!character.unicodeScalars.contains(where: TerminalText.isUnsafe), "cell \(row),\(column)")
            }
        }
        #expect(screen.textSnapshot().contains("a\\u{1b}]52;c;ZXZpbA==\\u{7}b\\u{9b}2J\\u{202e}c\\u{0}d"))
    }

    @Test func koreanAndEmojiTakeTheirTrueWidths() throws {
        var state = makeState(columns: 20, rows: 10)
        type("안녕하세요 🙂", &state)
        let screen = view(state)
        #expect(screen.textLines()[8].hasPrefix("› 안녕하세요 🙂"))
        #expect(screen.cursor == ScreenPosition(row: 8, column: 2 + 10 + 1 + 2))
        press([.enter([])], &state)
        _ = update(&state, .generation(.text("좋은 아침입니다, 반갑습니다"), at: 2))
        try expectGolden(view(state).textSnapshot(), "korean-20x10.txt")
    }

    @Test func theInputGrowsWithItsLines() {
        var state = makeState(columns: 30, rows: 16)
        let oneLine = Layout(state)
        type("one", &state)
        press([.ctrl("j")], &state)
        type("two", &state)
        press([.ctrl("j")], &state)
        type("three", &state)
        let threeLines = Layout(state)
        #expect(threeLines.inputRows.count == 3)
        #expect(threeLines.transcriptRows == oneLine.transcriptRows - 2)
        let screen = view(state)
        #expect(screen.textLines()[12].hasPrefix("› one"))
        #expect(screen.textLines()[14].hasPrefix("  three"))
        #expect(screen.cursor == ScreenPosition(row: 14, column: 7))
        for _ in 0 ..< 20 { press([.ctrl("j")], &state) }
        #expect(Layout(state).inputRows.count == Layout.maxInputRows(state.size))
    }

    @Test func noColorDrawsInTheTerminalsOwnColoursWithAttributes() {
        let screen = view(conversation(mode: .monochrome))
        for row in 0 ..< screen.height {
            for column in 0 ..< screen.width {
                let cell = screen[row, column].cell
                #expect(cell.foreground == .terminalDefault && cell.background == .terminalDefault)
            }
        }
        #expect(screen[screen.height - 1, 0].attributes.contains(.reverse))  // the status line
        #expect(screen.textSnapshot().contains("█"))  // the picture in glyphs
    }

    @Test func statusLineShowsModelContextAndSpeed() {
        let screen = view(conversation(columns: 60))
        #expect(screen.textLines().last!.hasPrefix(" tiny │ ctx 57/256 │ 20.0 tok/s · prompt 10 tok"))
    }

    @Test func aNarrowStatusLineDropsWholePiecesNotHalves() {
        var state = conversation(columns: 50)
        type("again", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.pictureBegan(index: 0, codesTotal: 16), at: 5))
        let status = view(state).textLines().last!
        #expect(status.hasPrefix(" tiny │ "))
        #expect(status.hasSuffix("picture 2: 0/16 codes "))
        #expect(status.contains("ctx 57/256"))
        #expect(!status.contains("tok/s"))  // it did not fit whole, so it is not there at all
    }

    @Test func aScrolledTranscriptSaysHowMuchIsBelow() {
        var state = conversation(columns: 40, rows: 12)
        press([.pageUp], &state)
        let separator = view(state).textLines()[Layout(state).separatorRow]
        #expect(separator.contains("more · PgDn"))
    }

    @Test func theTailLaidOutAloneIsTheEndOfTheWholeTranscript() {
        var state = conversation()
        _ = update(&state, .notice("a notice"))
        type("next", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.text("streaming…"), at: 9))
        for width in [20, 40, 90] {
            let all = TranscriptLines.build(state, width: width)
            for count in 0 ... all.count + 2 {
                #expect(TranscriptLines.tail(state, width: width, count: count) == Array(all.suffix(count)), "width \(width), count \(count)")
            }
        }
    }
}
