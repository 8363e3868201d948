import ChatEngine
import Foundation

extension Update {
    /// A key press.
    static func key(_ key: Key, state: inout AppState) -> [Effect] {
        if key != .ctrl("c") { state.quitArmed = false }
        if key != .tab { state.completions = [] }
        if let effects = historySearchKey(key, state: &state) { return effects }
        switch key {
        case .ctrl("c"):
            return interrupt(state: &state)
        case .escape:
            if state.isGenerating { return stopReply(state: &state) }
            state.hint = nil
            return []
        case .ctrl("d"):
            if state.input.isEmpty && state.attachment == nil {
                state.isRunning = false
                return [.quit]
            }
            edit(&state) { $0.deleteForward() }
        case .enter(let modifiers):
            if modifiers.isEmpty { return submit(state: &state) }
            edit(&state) { $0.insert("\n") }
        case .ctrl("j"):
            edit(&state) { $0.insert("\n") }
        case .character(let character):
            edit(&state) { $0.insert(String(character)) }
        case .paste(let text):
            if let path = droppedPicturePath(text) {
                showHint("attaching \((path as NSString).lastPathComponent)…", state: &state)
                return [.attachPicture(path: path)]
            }
            edit(&state) { $0.insert(pasteable(text)) }
        case .backspace(let modifiers):
            edit(&state) { modifiers.contains(.alt) || modifiers.contains(.ctrl) ? $0.deleteWordBackward() : $0.deleteBackward() }
        case .ctrl("w"):
            edit(&state) { $0.deleteWordBackward() }
        case .delete:
            edit(&state) { $0.deleteForward() }
        case .alt("d"):
            edit(&state) { $0.deleteWordForward() }
        case .ctrl("k"):
            edit(&state) { $0.killToLineEnd() }
        case .ctrl("u"):
            edit(&state) { $0.killToLineStart() }
        case .ctrl("y"):
            edit(&state) { $0.yank() }
        case .left(let modifiers):
            move(&state) { modifiers.isEmpty ? $0.moveLeft() : $0.moveWordLeft() }
        case .right(let modifiers):
            move(&state) { modifiers.isEmpty ? $0.moveRight() : $0.moveWordRight() }
        case .ctrl("b"):
            move(&state) { $0.moveLeft() }
        case .ctrl("f"):
            move(&state) { $0.moveRight() }
        case .alt("b"):
            move(&state) { $0.moveWordLeft() }
        case .alt("f"):
            move(&state) { $0.moveWordRight() }
        case .home(let modifiers):
            if modifiers.contains(.ctrl) { state.scroll = .line(0) } else { move(&state) { $0.moveToLineStart() } }
        case .end(let modifiers):
            if modifiers.contains(.ctrl) { state.scroll = .following } else { move(&state) { $0.moveToLineEnd() } }
        case .ctrl("a"):
            move(&state) { $0.moveToLineStart() }
        case .ctrl("e"):
            move(&state) { $0.moveToLineEnd() }
        case .up(let modifiers):
            if modifiers.contains(.shift) { scroll(by: -1, state: &state) } else { recall(older: true, state: &state) }
        case .down(let modifiers):
            if modifiers.contains(.shift) { scroll(by: 1, state: &state) } else { recall(older: false, state: &state) }
        case .ctrl("p"):
            recall(older: true, state: &state)
        case .ctrl("n"):
            recall(older: false, state: &state)
        case .ctrl("r"):
            searchHistory(state: &state)
        case .ctrl("g"):
            return [.editExternally(state.input.text)]
        case .pageUp:
            scroll(by: -max(1, Layout(state).transcriptRows - 2), state: &state)
        case .pageDown:
            scroll(by: max(1, Layout(state).transcriptRows - 2), state: &state)
        case .wheelUp:
            scroll(by: -3, state: &state)
        case .wheelDown:
            scroll(by: 3, state: &state)
        case .ctrl("l"):
            return [.redrawAll]
        case .tab:
            return complete(state: &state)
        case .function(1):
            return runCommand(.help, state: &state)
        default:
            break
        }
        return []
    }

    /// Ctrl+C: stops a reply; clears a typed message; on an empty prompt warns, then quits.
    static func interrupt(state: inout AppState) -> [Effect] {
        if state.isGenerating { return stopReply(state: &state) }
        if !state.input.isEmpty || state.attachment != nil {
            state.input.clear()
            state.attachment = nil
            state.attachmentCells = nil
            state.history.stopBrowsing()
            return []
        }
        if state.quitArmed {
            state.isRunning = false
            return [.quit]
        }
        state.quitArmed = true
        showHint("Press Ctrl+C again or Ctrl+D to quit", kind: .warning, state: &state)
        return []
    }

    static func stopReply(state: inout AppState) -> [Effect] {
        guard !state.stopRequested else { return [] }
        state.stopRequested = true
        showHint("stopping the reply…", state: &state)
        return [.stopReply]
    }

    /// Text changes: history browsing ends there.
    static func edit(_ state: inout AppState, _ change: (inout InputEditor) -> Void) {
        change(&state.input)
        state.history.stopBrowsing()
    }

    static func move(_ state: inout AppState, _ change: (inout InputEditor) -> Void) {
        change(&state.input)
    }

    /// Up/Down: between the lines of a multi-line message, else through earlier messages.
    static func recall(older: Bool, state: inout AppState) {
        if state.input.moveLine(by: older ? -1 : 1) { return }
        let recalled = older ? state.history.older(current: state.input.text) : state.history.newer()
        if let recalled { state.input.set(recalled) }
    }

    /// A paste that is nothing but the path of a PNG file, as a terminal pastes a file dropped
    /// on it (quoted, with `\ ` for spaces, or as a `file://` URL): the path to attach.
    static func droppedPicturePath(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.contains("\n") else { return nil }
        let path = SlashCommand.unquoted(trimmed)
        guard path.lowercased().hasSuffix(".png"), path.hasPrefix("/") || path.hasPrefix("~/") else { return nil }
        return path
    }

    /// Pasted text: kept as typed except control characters, which mean nothing in a message.
    static func pasteable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 == "\n" || $0 == "\t" || !TerminalText.isUnsafe($0) }))
    }

    // MARK: - Sending

    static func submit(state: inout AppState) -> [Effect] {
        let text = state.input.text
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("/") && !trimmed.hasPrefix("//") {
            state.history.record(trimmed)
            state.input.clear()
            var effects: [Effect] = [.recordHistory(trimmed)]
            switch SlashCommand.parse(trimmed) {
            case .success(let command): effects += runCommand(command, state: &state)
            case .failure(let error): showHint(error.description, kind: .warning, state: &state)
            }
            return effects
        }
        guard !trimmed.isEmpty || state.attachment != nil else { return [] }
        guard !state.isGenerating else {
            showHint("A reply is on its way: wait, or press Esc to stop it", kind: .warning, state: &state)
            return []
        }
        // "//text" sends "/text".
        let messageText = trimmed.hasPrefix("//") ? String(text.drop { $0 != "/" }.dropFirst()) : text
        var pictureNumbers: [Int] = []
        var segments: [MessageSegment] = []
        if let attachment = state.attachment {
            let number = state.nextPictureNumber
            state.nextPictureNumber += 1
            var picture = PictureState(number: number, total: attachment.codes.count, startedAt: state.now)
            picture.title = attachment.name
            picture.codes = attachment.codes
            picture.image = attachment.image
            picture.imageCodes = attachment.codes.count
            picture.phase = .done
            picture.cells = Layout.pictureCells(attachment.image, size: state.size, mode: state.colorMode)
            state.pictures[number] = picture
            pictureNumbers.append(number)
            segments.append(.picture(codes: attachment.codes))
        }
        if !messageText.isEmpty { segments.append(.text(messageText)) }
        state.history.record(text)
        state.input.clear()
        state.attachment = nil
        state.attachmentCells = nil
        state.transcript.append(.user(UserTurn(text: messageText, pictures: pictureNumbers)))
        var effects: [Effect] = text.isEmpty ? [] : [.recordHistory(text)]
        effects.append(startReply(to: ChatMessage(role: .user, segments: segments), state: &state, retry: false))
        return effects
    }

    /// Opens the assistant turn and says what to send.
    static func startReply(to message: ChatMessage, state: inout AppState, retry: Bool) -> Effect {
        state.transcript.append(.assistant(AssistantTurn()))
        state.isGenerating = true
        state.stopRequested = false
        state.currentPicture = nil
        state.scroll = .following
        state.hint = nil
        return retry ? .retry(message) : .send(message)
    }
}
