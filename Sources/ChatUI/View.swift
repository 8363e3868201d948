import HalfBlockRendering

/// Draws the whole chat for `state`: a pure function of the state, so every screen can be
/// checked in tests without a terminal.
public func view(_ state: AppState) -> Screen {
    let size = state.size
    let styles = state.styles
    var screen = Screen(width: max(0, size.columns), height: max(0, size.rows), style: styles.transcript)
    if Layout.isTooSmall(size) {
        drawTooSmall(&screen, size: size, style: styles.transcript)
        return screen
    }
    let layout = Layout(state)
    let visible = visibleTranscript(state, layout: layout)
    drawTranscript(&screen, state: state, lines: visible.lines)
    drawSeparator(&screen, state: state, layout: layout, linesBelow: visible.below)
    drawInput(&screen, state: state, layout: layout)
    drawStatus(&screen, state: state, layout: layout)
    return screen
}

/// The first transcript line shown for `scroll`, given the line count and visible rows.
func firstVisibleLine(_ scroll: ScrollPosition, total: Int, visible: Int) -> Int {
    let bottom = max(0, total - visible)
    switch scroll {
    case .following: return bottom
    case .line(let line): return min(max(0, line), bottom)
    }
}

private func drawTooSmall(_ screen: inout Screen, size: TerminalSize, style: Style) {
    guard size.rows > 0 && size.columns > 0 else { return }
    // Wrapped to the window, so even a sliver of one says what it needs.
    let message = ["Window too small", "need \(Layout.minimumSize.columns)×\(Layout.minimumSize.rows)"]
        .flatMap { TextWrap.wrap($0, width: size.columns) }
    let top = max(0, (size.rows - message.count) / 2)
    for (index, line) in message.enumerated() {
        let row = top + index
        guard row < size.rows else { break }
        let column = max(0, (size.columns - CellWidth.of(line)) / 2)
        screen.write(line, row: row, column: column, style: style)
    }
}

/// The transcript lines on screen, and how many lines are below them.
private func visibleTranscript(_ state: AppState, layout: Layout) -> (lines: ArraySlice<TranscriptLine>, below: Int) {
    let rows = layout.transcriptRows
    if state.scroll == .following {
        let tail = TranscriptLines.tail(state, width: layout.size.columns, count: rows)
        return (tail[...], 0)
    }
    let lines = TranscriptLines.build(state, width: layout.size.columns)
    let first = firstVisibleLine(state.scroll, total: lines.count, visible: rows)
    let end = min(lines.count, first + rows)
    return (lines[first ..< end], lines.count - end)
}

private func drawTranscript(_ screen: inout Screen, state: AppState, lines: ArraySlice<TranscriptLine>) {
    for (row, line) in lines.enumerated() {
        switch line {
        case .blank:
            break
        case .text(let runs, let indent):
            var column = indent
            for run in runs { column = screen.write(run.text, row: row, column: column, style: run.style) }
        case .picture(let number, let pictureRow, let indent):
            if let cells = state.pictures[number]?.cells, pictureRow < cells.height {
                screen.blit(cells, gridRow: pictureRow, row: row, column: indent)
            }
        case .pictureSpace(let columns, let indent):
            screen.fill(row: row, columns: indent ..< indent + columns, style: state.styles.picturePlaceholder)
        }
    }
}

private func drawSeparator(_ screen: inout Screen, state: AppState, layout: Layout, linesBelow below: Int) {
    let row = layout.separatorRow
    let width = layout.size.columns
    let styles = state.styles
    for column in 0 ..< width { screen.put("─", row: row, column: column, style: styles.border) }
    var right = width
    if below > 0 {
        let marker = " ↓ \(below) more · PgDn "
        right = max(0, width - CellWidth.of(marker) - 1)
        screen.write(marker, row: row, column: right, style: styles.border)
    }
    var note: TextRun?
    if let search = state.historySearch {
        let found = search.match != nil || search.query.isEmpty
        let text = " history search: " + TerminalText.safe(search.query) + (found ? "" : " (no match)")
            + " · Ctrl+R older · Enter send · Esc cancel "
        note = TextRun(text, found ? styles.hint : styles.statusWarning)
    } else if let hint = state.hint {
        note = TextRun(" " + TerminalText.safe(hint.text) + " ", hint.kind == .warning ? styles.statusWarning : styles.hint)
    } else if !state.completions.isEmpty {
        note = TextRun(" " + state.completions.prefix(12).joined(separator: "  ") + " ", styles.hint)
    }
    if let note {
        screen.write(note.text, row: row, column: 1, style: note.style, limit: max(1, right - 1))
    }
}

private func drawInput(_ screen: inout Screen, state: AppState, layout: Layout) {
    let styles = state.styles
    for row in layout.inputRows { screen.fill(row: row, columns: 0 ..< layout.size.columns, style: styles.input) }
    var textTop = layout.inputRows.lowerBound
    if let attachment = state.attachment, layout.attachmentRows > 0 {
        var column = Layout.promptWidth
        if layout.attachmentRows >= Layout.attachmentPreviewRows, let cells = state.attachmentCells {
            for row in 0 ..< min(cells.height, layout.attachmentRows) {
                screen.blit(cells, gridRow: row, row: textTop + row, column: Layout.promptWidth)
            }
            column += cells.width + 1
        }
        let note = "attached: \(TerminalText.safe(attachment.name)) (\(attachment.image.width)×\(attachment.image.height)), sent with your next message"
        screen.write(note, row: textTop, column: column, style: styles.attachment)
        textTop += layout.attachmentRows
    }
    let textRows = layout.inputRows.upperBound - textTop
    guard textRows > 0 else { return }
    let input = InputLayout(text: state.input.text, cursor: state.input.cursor, width: Layout.inputWidth(layout.size))
    // Keep the cursor's row in view.
    let firstRow = max(0, min(input.cursorRow - textRows + 1, input.rows.count - textRows))
    screen.write("›", row: textTop, column: 0, style: styles.prompt)
    if state.input.isEmpty {
        let placeholder = state.isGenerating ? "Esc or Ctrl+C stops the reply" : "Message \(state.model.name) · /help for commands"
        screen.write(TerminalText.safe(placeholder), row: textTop, column: Layout.promptWidth, style: styles.hint)
    }
    for offset in 0 ..< textRows {
        let index = firstRow + offset
        guard index < input.rows.count else { break }
        screen.write(input.rows[index], row: textTop + offset, column: Layout.promptWidth, style: styles.input)
    }
    let cursorRow = textTop + input.cursorRow - firstRow
    let cursorColumn = Layout.promptWidth + input.cursorColumn
    if cursorRow >= textTop && cursorRow < layout.inputRows.upperBound && cursorColumn < layout.size.columns {
        let (cell, _) = screen[cursorRow, cursorColumn]
        let character = cell.character == Screen.wideTail ? " " : cell.character
        screen.put(character, row: cursorRow, column: cursorColumn, style: styles.inputCursor)
        screen.cursor = ScreenPosition(row: cursorRow, column: cursorColumn)
    }
}

private func drawStatus(_ screen: inout Screen, state: AppState, layout: Layout) {
    let row = layout.statusRow
    screen.fill(row: row, columns: 0 ..< layout.size.columns, style: state.styles.status)
    var rightStart = layout.size.columns
    if let right = StatusLine.right(state) {
        rightStart = max(0, layout.size.columns - CellWidth.of(right.text))
        screen.write(right.text, row: row, column: rightStart, style: right.style)
    }
    // The model's name is cut to fit; the other pieces are shown whole or not at all.
    var column = 0
    for (index, run) in StatusLine.left(state).enumerated() {
        if index > 0 && column + CellWidth.of(run.text) > rightStart - 1 { break }
        column = screen.write(run.text, row: row, column: column, style: run.style, limit: max(0, rightStart - 1))
    }
}
