import ChatEngine
import HalfBlockRendering

/// The chat's reducer: applies `event` to `state` and returns what the run loop must do.
/// Pure: no clock, no files, no terminal, no model.
///
///     var state = AppState(...)
///     let effects = update(&state, .key(.enter([]), at: 1))   // [.recordHistory("hi"), .send(.user("hi"))]
public func update(_ state: inout AppState, _ event: AppEvent) -> [Effect] {
    switch event {
    case .key(let key, let time):
        state.now = max(state.now, time)
        return Update.key(key, state: &state)
    case .resize(let size):
        state.size = size
        Update.rerenderPictures(&state)
        Update.clampScroll(&state)
        return []
    case .tick(let time):
        state.now = max(state.now, time)
        if let hint = state.hint, hint.expiresAt <= state.now { state.hint = nil }
        return []
    case .generation(let event, let time):
        state.now = max(state.now, time)
        return Update.generation(event, at: time, state: &state)
    case .replyEnded(let outcome):
        Update.replyEnded(outcome, state: &state)
        return []
    case .picturePreview(let number, let image, let codes):
        guard var picture = state.pictures[number], picture.phase == .drawing, codes >= picture.imageCodes else { return [] }
        picture.image = image
        picture.imageCodes = codes
        picture.cells = Layout.pictureCells(image, size: state.size, mode: state.colorMode)
        state.pictures[number] = picture
        return []
    case .pictureDecoded(let number, let image):
        guard var picture = state.pictures[number] else { return [] }
        picture.image = image
        picture.imageCodes = picture.codes.count
        picture.phase = .done
        picture.cells = Layout.pictureCells(image, size: state.size, mode: state.colorMode)
        state.pictures[number] = picture
        return []
    case .pictureFailed(let number, let reason):
        state.pictures[number]?.phase = .failed(reason)
        return []
    case .attachmentReady(let attachment):
        state.attachment = attachment
        state.attachmentCells = Layout.attachmentPreviewCells(attachment.image, mode: state.colorMode)
        Update.showHint("attached \(attachment.name)", state: &state)
        return []
    case .themeLoaded(let theme):
        state.theme = theme
        state.styles = StyleSheet(theme: theme, colorMode: state.colorMode)
        Update.showHint("theme \(theme.name)", state: &state)
        return []
    case .modelLoading(let path, let loaded, let total):
        // Each part renews the hint, so a conversion that takes a minute stays in view.
        Update.showHint("loading \(path)… \(loaded)/\(total)", state: &state)
        return []
    case .modelLoaded(let model, let pictureLimitation):
        state.model = model
        state.pictureLimitation = pictureLimitation
        state.contextUsed = 0
        for index in state.transcript.indices {
            if case .user(var turn) = state.transcript[index] {
                turn.inConversation = false
                state.transcript[index] = .user(turn)
            }
        }
        state.transcript.append(.notice("Now talking to \(model.name) (context \(model.contextLength) tokens); the conversation starts anew."))
        state.scroll = .following
        return []
    case .contextUsage(let used):
        state.contextUsed = used
        return []
    case .conversationLoaded(let conversation):
        return Update.loadConversation(conversation, state: &state)
    case .textFileRead(let name, let text):
        state.input.insert(text)
        state.history.stopBrowsing()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        Update.showHint("read \(lines) line\(lines == 1 ? "" : "s") from \(name): edit, then Enter sends", state: &state)
        return []
    case .editedExternally(let text):  // the terminal repainted itself when it came back
        state.input.set(text)
        state.history.stopBrowsing()
        return []
    case .editorFailed(let reason):
        Update.showHint(reason, kind: .warning, state: &state)
        return []
    case .pathCompletions(let prefix, let candidates):
        Update.applyCompletions(prefix: prefix, candidates: candidates, state: &state)
        return []
    case .notice(let text):
        state.transcript.append(.notice(text))
        return []
    case .failure(let text):
        state.transcript.append(.error(text))
        return []
    case .terminationSignal:
        state.isRunning = false
        return [.quit]
    }
}

/// The parts of `update`, by concern (keys, commands, replies, scrolling).
enum Update {
    /// How long a hint stays, in seconds.
    static let hintSeconds = 4.0

    static func showHint(_ text: String, kind: Hint.Kind = .info, state: inout AppState) {
        state.hint = Hint(text: text, kind: kind, expiresAt: state.now + hintSeconds)
    }

    /// Draws every picture again at the current size.
    static func rerenderPictures(_ state: inout AppState) {
        for (number, picture) in state.pictures {
            guard let image = picture.image else { continue }
            let cells = Layout.pictureCells(image, size: state.size, mode: state.colorMode)
            state.pictures[number]?.cells = cells
        }
    }

    // MARK: - Scrolling

    static func transcriptGeometry(_ state: AppState) -> (total: Int, visible: Int, first: Int) {
        let layout = Layout(state)
        let total = TranscriptLines.build(state, width: state.size.columns).count
        return (total, layout.transcriptRows, firstVisibleLine(state.scroll, total: total, visible: layout.transcriptRows))
    }

    /// Scrolls by `lines` (negative: up, towards older text).
    static func scroll(by lines: Int, state: inout AppState) {
        let (total, visible, first) = transcriptGeometry(state)
        let bottom = max(0, total - visible)
        let target = min(max(0, first + lines), bottom)
        state.scroll = target >= bottom ? .following : .line(target)
    }

    static func clampScroll(_ state: inout AppState) {
        guard case .line = state.scroll else { return }
        scroll(by: 0, state: &state)
    }
}
