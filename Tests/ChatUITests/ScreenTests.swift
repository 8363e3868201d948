import HalfBlockRendering
import Testing
@testable import ChatUI

/// Cell widths and the screen's bookkeeping of wide characters.
@Suite struct ScreenTests {
    @Test func cellWidthsOfScriptsAndEmoji() {
        #expect(CellWidth.of("hello") == 5)
        #expect(CellWidth.of("한국어") == 6)
        #expect(CellWidth.of("日本") == 4)
        #expect(CellWidth.of("ｈ") == 2)  // fullwidth Latin
        #expect(CellWidth.of("🙂") == 2)
        #expect(CellWidth.of("👍🏽") == 2)
        #expect(CellWidth.of("👨‍👩‍👧") == 2)
        #expect(CellWidth.of("🇰🇷") == 2)
        #expect(CellWidth.of("❤️") == 1)  // text-default heart asked to be emoji: ncurses counts 1
        #expect(CellWidth.of("e\u{301}") == 1)
        #expect(CellWidth.of("\u{200D}") == 0)
        #expect(CellWidth.of("é") == 1)
    }

    /// A narrow character asking for emoji presentation is drawn without the selector, one
    /// cell, as ncurses counts it; wide emoji keep theirs.
    @Test func narrowEmojiPresentationIsDrawnAsText() {
        var screen = Screen(width: 6, height: 1)
        #expect(screen.write("❤️⚠️🙂\u{FE0F}", row: 0, column: 0, style: .plain) == 4)
        #expect(screen[0, 0].cell.character == "❤" && screen[0, 1].cell.character == "⚠")
        #expect(screen[0, 2].cell.character == "🙂\u{FE0F}" && screen[0, 3].cell.character == Screen.wideTail)
    }

    @Test func wideCharactersTakeTwoCells() {
        var screen = Screen(width: 6, height: 1)
        let end = screen.write("a한b", row: 0, column: 0, style: .plain)
        #expect(end == 4)
        #expect(screen.textLines() == ["a한b  "])
        #expect(screen[0, 2].cell.character == Screen.wideTail)
    }

    @Test func aWideCharacterThatWouldCrossTheEdgeIsNotWritten() {
        var screen = Screen(width: 3, height: 1)
        #expect(screen.write("ab한", row: 0, column: 0, style: .plain) == 2)
        #expect(screen.textLines() == ["ab "])
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var screen = Screen(width: 4, height: 1)
        screen.write("한글", row: 0, column: 0, style: .plain)
        screen.put("x", row: 0, column: 1, style: .plain)  // the tail of 한
        #expect(screen.textLines() == [" x글"])
        screen.put("y", row: 0, column: 2, style: .plain)  // the head of 글
        #expect(screen.textLines() == [" xy "])
    }

    @Test func sanitisingEscapesControlsAndBidiOverrides() {
        #expect(TerminalText.safe("a\u{1B}[2Jb") == "a\\u{1b}[2Jb")
        #expect(TerminalText.safe("\u{9B}31m") == "\\u{9b}31m")
        #expect(TerminalText.safe("abc\u{202E}def") == "abc\\u{202e}def")
        #expect(TerminalText.safe("line\nnext\ttab") == "line\nnext\ttab")
        #expect(TerminalText.safe("한글 🙂") == "한글 🙂")
        #expect(TerminalText.safe("\u{07}\u{2028}") == "\\u{7}\\u{2028}")
    }
}
