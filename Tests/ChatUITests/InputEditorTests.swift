import Testing
@testable import ChatUI

/// Emacs line editing and history, as readline users expect them.
@Suite struct InputEditorTests {
    @Test func insertAndMoveByCharacterAndWord() {
        var editor = InputEditor()
        editor.insert("draw a red circle")
        editor.moveWordLeft()
        #expect(editor.cursor == 11)
        editor.moveWordLeft()
        editor.insert("big ")
        #expect(editor.text == "draw a big red circle")
        editor.moveWordRight()
        #expect(editor.cursor == 14)
        editor.moveToLineStart()
        #expect(editor.cursor == 0)
        editor.moveToLineEnd()
        #expect(editor.cursor == editor.text.count)
    }

    @Test func killAndYank() {
        var editor = InputEditor(text: "make the circle green")
        editor.deleteWordBackward()
        #expect(editor.text == "make the circle ")
        editor.yank()
        #expect(editor.text == "make the circle green")
        editor.moveToLineStart()
        editor.moveWordRight()
        editor.killToLineEnd()
        #expect(editor.text == "make")
        #expect(editor.killed == " the circle green")
        editor.killToLineStart()
        #expect(editor.text == "")
    }

    @Test func linesOfAMultiLineMessage() {
        var editor = InputEditor(text: "first line\nsecond\nthird line here")
        #expect(editor.lineAndColumn == (2, 15))
        var moved = editor.moveLine(by: -1)
        #expect(moved && editor.lineAndColumn == (1, 6))
        moved = editor.moveLine(by: -1)
        #expect(moved && editor.lineAndColumn == (0, 6))
        moved = editor.moveLine(by: -1)
        #expect(!moved)
        editor.moveToLineEnd()
        #expect(editor.cursor == 10)
    }

    @Test func combiningMarksJoinTheCharacterBefore() {
        var editor = InputEditor()
        editor.insert("e")
        editor.insert("\u{301}")
        #expect(editor.text == "é")
        #expect(editor.cursor == 1)
        editor.deleteBackward()
        #expect(editor.text.isEmpty)
    }

    @Test func historyBrowsesBackAndReturnsToTheDraft() {
        var history = InputHistory(entries: ["one", "two"])
        let steps = [history.older(current: "dra"), history.older(current: "two"), history.older(current: "one"),
                     history.newer(), history.newer(), history.newer()]
        #expect(steps == ["two", "one", nil, "two", "dra", nil])
        history.record("three")
        history.record("three")
        history.record("  ")
        #expect(history.entries == ["one", "two", "three"])
    }

    @Test func inputLayoutWrapsAndPlacesTheCursor() {
        let layout = InputLayout(text: "abcdef", cursor: 6, width: 3)
        #expect(layout.rows == ["abc", "def", ""])
        #expect(layout.cursorRow == 2 && layout.cursorColumn == 0)
        let wide = InputLayout(text: "가나다", cursor: 1, width: 5)
        #expect(wide.rows == ["가나", "다"])
        #expect(wide.cursorRow == 0 && wide.cursorColumn == 2)
        let lines = InputLayout(text: "a\nbc", cursor: 2, width: 10)
        #expect(lines.rows == ["a", "bc"])
        #expect(lines.cursorRow == 1 && lines.cursorColumn == 0)
    }

    @Test func textWrapBreaksAtSpacesAndByTrueWidth() {
        #expect(TextWrap.wrap("the red circle", width: 8) == ["the red", "circle"])
        #expect(TextWrap.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(TextWrap.wrap("한국어 문장입니다", width: 8) == ["한국어", "문장입니", "다"])
        #expect(TextWrap.wrap("a\n\nb", width: 5) == ["a", "", "b"])
        #expect(TextWrap.wrap("\tx", width: 10) == ["    x"])
        #expect(TextWrap.wrap("🙂🙂🙂", width: 5) == ["🙂🙂", "🙂"])
        // Continuations keep the line's indentation (help entries, lists), unless it is more
        // than half the width.
        #expect(TextWrap.wrap("    /new starts a new conversation", width: 16)
            == ["    /new starts", "    a new", "    conversation"])
        #expect(TextWrap.wrap("  abcdefghij", width: 6) == ["  abcd", "  efgh", "  ij"])
        #expect(TextWrap.wrap("      ab cd", width: 8) == ["      ab", "cd"])
        #expect(TextWrap.wrap("  a\nb c d", width: 3) == ["  a", "b c", "d"])
    }
}
