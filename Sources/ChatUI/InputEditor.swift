import Foundation

/// The text being typed: a string and a cursor (counted in characters), with the emacs
/// editing commands of readline.
///
///     var editor = InputEditor()
///     editor.insert("hello world")
///     editor.deleteWordBackward()   // "hello ", the cut text kept for yank()
public struct InputEditor: Sendable, Equatable {
    public private(set) var text: String = ""
    /// Characters before the cursor.
    public private(set) var cursor: Int = 0
    /// What the last kill command cut, for `yank`.
    public private(set) var killed: String = ""

    public init(text: String = "") {
        self.text = text
        cursor = text.count
    }

    public var isEmpty: Bool { text.isEmpty }

    private var characters: [Character] { Array(text) }

    private func index(_ offset: Int) -> String.Index { text.index(text.startIndex, offsetBy: offset) }

    /// Replaces everything, cursor at the end.
    public mutating func set(_ newText: String) {
        text = newText
        cursor = newText.count
    }

    public mutating func insert(_ inserted: String) {
        let before = String(text[..<index(cursor)])
        let after = text[index(cursor)...]
        // Counted on the joined prefix: a combining mark merges with the character before it.
        cursor = (before + inserted).count
        text = before + inserted + after
        if cursor > text.count { cursor = text.count }
    }

    // MARK: - Moving

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(text.count, cursor + 1) }

    /// To the start of the current line (Ctrl+A, Home).
    public mutating func moveToLineStart() {
        let chars = characters
        var position = cursor
        while position > 0 && chars[position - 1] != "\n" { position -= 1 }
        cursor = position
    }

    /// To the end of the current line (Ctrl+E, End).
    public mutating func moveToLineEnd() {
        let chars = characters
        var position = cursor
        while position < chars.count && chars[position] != "\n" { position += 1 }
        cursor = position
    }

    /// Back to the start of the word (Alt+B, Ctrl+Left).
    public mutating func moveWordLeft() { cursor = wordStart(before: cursor) }

    /// Forward past the end of the word (Alt+F, Ctrl+Right).
    public mutating func moveWordRight() {
        let chars = characters
        var position = cursor
        while position < chars.count && !Self.isWordCharacter(chars[position]) { position += 1 }
        while position < chars.count && Self.isWordCharacter(chars[position]) { position += 1 }
        cursor = position
    }

    /// The cursor's line and column (in characters) within the logical lines of the text.
    public var lineAndColumn: (line: Int, column: Int) {
        var line = 0, column = 0
        for character in characters.prefix(cursor) {
            if character == "\n" {
                line += 1
                column = 0
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    public var lineCount: Int { characters.filter { $0 == "\n" }.count + 1 }

    /// Moves one logical line up or down, keeping the column where the line allows; false when
    /// already on the first (or last) line.
    public mutating func moveLine(by delta: Int) -> Bool {
        let (line, column) = lineAndColumn
        let target = line + delta
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard target >= 0 && target < lines.count else { return false }
        var position = 0
        for index in 0 ..< target { position += lines[index].count + 1 }
        cursor = position + min(column, lines[target].count)
        return true
    }

    // MARK: - Deleting

    /// Backspace.
    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        remove(cursor - 1 ..< cursor)
        cursor -= 1
    }

    /// Delete, Ctrl+D on a non-empty line.
    public mutating func deleteForward() {
        guard cursor < text.count else { return }
        remove(cursor ..< cursor + 1)
    }

    /// Ctrl+K: cuts to the end of the line (or the line break, at its end).
    public mutating func killToLineEnd() {
        let start = cursor
        moveToLineEnd()
        var end = cursor
        if end == start && end < text.count { end += 1 }
        cursor = start
        kill(start ..< end)
    }

    /// Ctrl+U: cuts to the start of the line.
    public mutating func killToLineStart() {
        let end = cursor
        moveToLineStart()
        kill(cursor ..< end)
    }

    /// Ctrl+W, Alt+Backspace: cuts the word before the cursor.
    public mutating func deleteWordBackward() {
        let start = wordStart(before: cursor)
        let end = cursor
        cursor = start
        kill(start ..< end)
    }

    /// Alt+D: cuts the word after the cursor.
    public mutating func deleteWordForward() {
        let start = cursor
        moveWordRight()
        let end = cursor
        cursor = start
        kill(start ..< end)
    }

    /// Ctrl+Y: inserts the last cut text.
    public mutating func yank() { insert(killed) }

    /// Empties the text (keeping the kill buffer).
    public mutating func clear() {
        text = ""
        cursor = 0
    }

    private mutating func kill(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        killed = String(characters[range])
        remove(range)
    }

    private mutating func remove(_ range: Range<Int>) {
        text.removeSubrange(index(range.lowerBound) ..< index(range.upperBound))
    }

    private func wordStart(before position: Int) -> Int {
        let chars = characters
        var position = position
        while position > 0 && !Self.isWordCharacter(chars[position - 1]) { position -= 1 }
        while position > 0 && Self.isWordCharacter(chars[position - 1]) { position -= 1 }
        return position
    }

    static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}

/// Earlier messages, for Up and Down: browsing starts from the text being typed (kept as the
/// draft) and goes back through the entries, newest first.
public struct InputHistory: Sendable, Equatable {
    public private(set) var entries: [String]
    /// Index into `entries` while browsing, nil when not.
    public private(set) var position: Int?
    private var draft = ""
    /// Entries kept at most; older ones are forgotten.
    public static let limit = 1000

    public init(entries: [String] = []) {
        self.entries = Array(entries.suffix(Self.limit))
    }

    /// Adds a sent message (not an empty one, nor a repeat of the last) and stops browsing.
    public mutating func record(_ text: String) {
        position = nil
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, entries.last != text else { return }
        entries.append(text)
        if entries.count > Self.limit { entries.removeFirst(entries.count - Self.limit) }
    }

    /// The entry before the one shown (Up), or nil at the oldest.
    public mutating func older(current: String) -> String? {
        guard !entries.isEmpty else { return nil }
        if let position {
            guard position > 0 else { return nil }
            self.position = position - 1
        } else {
            draft = current
            position = entries.count - 1
        }
        return entries[self.position!]
    }

    /// The entry after the one shown (Down); past the newest, the draft again; nil when not browsing.
    public mutating func newer() -> String? {
        guard let position else { return nil }
        if position + 1 < entries.count {
            self.position = position + 1
            return entries[position + 1]
        }
        self.position = nil
        return draft
    }

    /// Stops browsing (after an edit).
    public mutating func stopBrowsing() { position = nil }

    /// The newest entry at or before `index` (all entries when nil) that contains `query`,
    /// ignoring case: Ctrl+R's search.
    public func newestMatch(_ query: String, atOrBefore index: Int? = nil) -> Int? {
        let last = min(index ?? entries.count - 1, entries.count - 1)
        guard last >= 0 else { return nil }
        return (0 ... last).reversed().first { query.isEmpty || entries[$0].localizedCaseInsensitiveContains(query) }
    }
}

/// Ctrl+R: a search back through earlier messages, shown in the input while it runs.
public struct HistorySearch: Sendable, Equatable {
    /// What was typed to search for.
    public var query = ""
    /// The history entry found, nil when nothing matches.
    public var match: Int?
    /// The input as it was before the search, put back on Esc.
    public var original: String
}
