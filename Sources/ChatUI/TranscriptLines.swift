import HalfBlockRendering

/// A run of text in one style.
public struct TextRun: Sendable, Equatable {
    public var text: String
    public var style: Style
    public init(_ text: String, _ style: Style) {
        self.text = text
        self.style = style
    }
}

/// One row of the transcript, before it is placed on the screen.
public enum TranscriptLine: Sendable, Equatable {
    case text([TextRun], indent: Int)
    /// Row `row` of picture `number`'s cells.
    case picture(number: Int, row: Int, indent: Int)
    /// Room kept for a picture that has no pixels yet.
    case pictureSpace(columns: Int, indent: Int)
    case blank
}

/// The transcript as rows for a screen `width` columns wide: labels, wrapped and sanitised
/// text, pictures with captions, notices.
public enum TranscriptLines {
    public static func build(_ state: AppState, width: Int) -> [TranscriptLine] {
        var lines: [TranscriptLine] = []
        for (index, entry) in state.transcript.enumerated() {
            if index > 0 { lines.append(.blank) }
            lines += self.lines(for: entry, state: state, width: width)
        }
        return lines
    }

    /// The last `count` lines (fewer when the transcript is shorter), laying out only the entries
    /// they come from: what the screen shows while it follows a growing reply, without wrapping
    /// the whole conversation again on every frame.
    public static func tail(_ state: AppState, width: Int, count: Int) -> [TranscriptLine] {
        var lines: [TranscriptLine] = []
        for (index, entry) in state.transcript.enumerated().reversed() {
            if lines.count >= count { break }
            lines = self.lines(for: entry, state: state, width: width) + lines
            if index > 0 { lines.insert(.blank, at: 0) }
        }
        return Array(lines.suffix(count))
    }

    /// The lines of one entry.
    static func lines(for entry: TranscriptEntry, state: AppState, width: Int) -> [TranscriptLine] {
        var lines: [TranscriptLine] = []
        let styles = state.styles
        let textWidth = max(1, width - Layout.indent)
        switch entry {
        case .user(let turn):
            let label = turn.inConversation ? "You" : "You (not in the conversation)"
            lines.append(.text([TextRun(label, styles.userLabel)], indent: 0))
            for number in turn.pictures { lines += pictureLines(number, state: state) }
            if !turn.text.isEmpty { lines += wrapped(turn.text, style: styles.userText, width: textWidth) }
        case .assistant(let turn):
            lines.append(.text([TextRun(state.model.name, styles.assistantLabel)], indent: 0))
            for part in turn.parts {
                switch part {
                case .text(let text): lines += wrapped(text, style: styles.assistantText, width: textWidth)
                case .picture(let number): lines += pictureLines(number, state: state)
                }
            }
            switch turn.status {
            case .streaming where turn.parts.isEmpty:
                lines.append(.text([TextRun("…", styles.notice)], indent: Layout.indent))
            case .stopped:
                lines.append(.text([TextRun("(stopped)", styles.notice)], indent: Layout.indent))
            default:
                break
            }
        case .notice(let text):
            lines += wrapped(text, style: styles.notice, width: textWidth)
        case .error(let text):
            let wrappedLines = TextWrap.wrap(TerminalText.safe(text), width: textWidth)
            for (row, line) in wrappedLines.enumerated() {
                lines.append(.text([TextRun(row == 0 ? "! " : "  ", styles.error), TextRun(line, styles.error)], indent: 0))
            }
        }
        return lines
    }

    static func wrapped(_ text: String, style: Style, width: Int) -> [TranscriptLine] {
        TextWrap.wrap(TerminalText.safe(text), width: width).map { .text([TextRun($0, style)], indent: Layout.indent) }
    }

    /// A picture's rows and its caption.
    static func pictureLines(_ number: Int, state: AppState) -> [TranscriptLine] {
        guard let picture = state.pictures[number] else { return [] }
        var lines: [TranscriptLine] = []
        if let cells = picture.cells {
            for row in 0 ..< cells.height { lines.append(.picture(number: number, row: row, indent: Layout.indent)) }
        } else {
            // Before the first pixels: the room a square picture will take, so nothing moves later.
            let columns = Layout.pictureColumns(size: state.size, imageWidth: 1, imageHeight: 1)
            let rows = HalfBlockRenderer().rows(forImageWidth: 1, height: 1, columns: columns)
            for _ in 0 ..< rows { lines.append(.pictureSpace(columns: columns, indent: Layout.indent)) }
        }
        let width = max(1, state.size.columns - Layout.indent)
        for line in TextWrap.wrap(caption(picture, state: state), width: width) {
            lines.append(.text([TextRun(line, state.styles.pictureCaption)], indent: Layout.indent))
        }
        return lines
    }

    /// "picture 2 · 300/1024 codes · about 4 s left", and so on.
    static func caption(_ picture: PictureState, state: AppState) -> String {
        var parts = ["picture \(picture.number)"]
        if let title = picture.title { parts.append(TerminalText.safe(title)) }
        switch picture.phase {
        case .drawing:
            parts.append("\(picture.codes.count)/\(picture.total) codes")
            if let left = picture.secondsLeft { parts.append("about \(StatusLine.duration(left)) left") }
        case .decoding:
            parts.append("decoding…")
        case .done:
            if let limitation = state.pictureLimitation { parts.append(limitation) }
        case .stopped:
            parts.append("stopped at \(picture.codes.count)/\(picture.total) codes, not kept in the conversation")
        case .failed(let reason):
            parts.append("could not be drawn: \(reason)")
        }
        return parts.joined(separator: " · ")
    }
}
