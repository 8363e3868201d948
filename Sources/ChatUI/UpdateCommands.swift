import ChameleonModel
import ChatEngine
import Foundation

extension Update {
    /// Runs a slash command.
    static func runCommand(_ command: SlashCommand, state: inout AppState) -> [Effect] {
        let busy = "A reply is on its way: wait, or press Esc to stop it first"
        switch command {
        case .help:
            state.transcript.append(.notice(helpText))
            state.scroll = .following
        case .quit:
            state.isRunning = false
            return [.quit]
        case .new:
            guard !state.isGenerating else { return refuse(busy, state: &state) }
            state.transcript = []
            state.pictures = [:]
            state.nextPictureNumber = 1
            state.contextUsed = 0
            state.scroll = .following
            showHint("new conversation", state: &state)
            return [.newConversation]
        case .retry:
            guard !state.isGenerating else { return refuse(busy, state: &state) }
            guard let (index, turn) = lastUserTurn(state) else { return refuse("nothing to retry yet", state: &state) }
            let message = chatMessage(turn, state: state)
            removeEntries(from: index + 1, state: &state)
            // The same seed at the same point of the conversation gives the same reply; a retry
            // asks for another, so it moves the seed on (greedy decoding still repeats itself).
            state.options.seed &+= 1
            if state.options.text.greedy {
                showHint("greedy decoding gives the same reply again; /set temperature 0.8 samples", state: &state)
            }
            return [.applyOptions(state.options), startReply(to: message, state: &state, retry: turn.inConversation)]
        case .undo, .edit:
            guard !state.isGenerating else { return refuse(busy, state: &state) }
            guard let (index, turn) = lastUserTurn(state) else { return refuse("nothing to undo yet", state: &state) }
            if command == .edit {
                state.input.set(turn.text)
                if let number = turn.pictures.first, let picture = state.pictures[number], let image = picture.image {
                    state = withAttachment(Attachment(name: picture.title ?? "picture \(number)", image: image, codes: picture.codes), state)
                }
            }
            removeEntries(from: index, state: &state)
            showHint(command == .edit ? "edit your message and press Enter to send it again" : "dropped the last exchange", state: &state)
            return turn.inConversation ? [.undoLastExchange] : []
        case .attach(let path):
            guard let path else {
                state.attachment = nil
                state.attachmentCells = nil
                showHint("attachment removed", state: &state)
                return []
            }
            showHint("reading \(path)…", state: &state)
            return [.attachPicture(path: path)]
        case .read(let path):
            return [.readTextFile(path: path)]
        case .saveImage(let number, let path):
            guard let picture = state.pictures[number] else { return refuse("there is no picture \(number)", state: &state) }
            guard picture.phase == .done, let image = picture.image else {
                return refuse("picture \(number) is not finished", state: &state)
            }
            return [.savePicture(number: number, image: image, path: path)]
        case .save(let path):
            return [.saveConversation(path: path)]
        case .load(let reference):
            guard !state.isGenerating else { return refuse(busy, state: &state) }
            showHint("loading \(reference)…", state: &state)
            return [.loadConversation(reference)]
        case .export(let format, let path):
            return [.exportConversation(format: format, path: path)]
        case .showSettings:
            state.transcript.append(.notice(settingsText(state.options)))
        case .set(let name, let value):
            switch applySetting(name: name, value: value, to: state.options) {
            case .success(let options):
                state.options = options
                showHint("\(name) = \(value)", state: &state)
                return [.applyOptions(options)]
            case .failure(let error):
                return refuse(error.description, state: &state)
            }
        case .theme(let name):
            guard let name else {
                state.transcript.append(.notice("Themes: " + state.themeNames.joined(separator: ", ") + " (now \(state.theme.name))"))
                return []
            }
            return [.loadTheme(name)]
        case .copy:
            // Control characters the model wrote are left out, as in a paste: the clipboard may end up in a shell.
            guard let text = lastReplyText(state).map(pasteable) else { return refuse("no reply with text to copy yet", state: &state) }
            showHint("copied the last reply (\(text.count) characters) to the clipboard", state: &state)
            return [.copyToClipboard(text)]
        case .model(let path):
            guard !state.isGenerating else { return refuse(busy, state: &state) }
            showHint("loading \(path)…", state: &state)
            return [.loadModel(path: path)]
        }
        return []
    }

    static func refuse(_ text: String, state: inout AppState) -> [Effect] {
        showHint(text, kind: .warning, state: &state)
        return []
    }

    static func withAttachment(_ attachment: Attachment, _ state: AppState) -> AppState {
        var state = state
        _ = update(&state, .attachmentReady(attachment))
        return state
    }

    /// The text of the latest reply that has any.
    static func lastReplyText(_ state: AppState) -> String? {
        for entry in state.transcript.reversed() {
            guard case .assistant(let turn) = entry else { continue }
            let text = turn.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { return text }
        }
        return nil
    }

    static func lastUserTurn(_ state: AppState) -> (Int, UserTurn)? {
        for index in state.transcript.indices.reversed() {
            if case .user(let turn) = state.transcript[index] { return (index, turn) }
        }
        return nil
    }

    /// The message a user turn sent: its pictures, then its text.
    static func chatMessage(_ turn: UserTurn, state: AppState) -> ChatMessage {
        var segments: [MessageSegment] = turn.pictures.compactMap { state.pictures[$0].map { .picture(codes: $0.codes) } }
        if !turn.text.isEmpty { segments.append(.text(turn.text)) }
        return ChatMessage(role: .user, segments: segments)
    }

    /// Removes transcript entries from `index` on, with their pictures.
    static func removeEntries(from index: Int, state: inout AppState) {
        guard index < state.transcript.count else { return }
        for entry in state.transcript[index...] {
            switch entry {
            case .user(let turn): for number in turn.pictures { state.pictures[number] = nil }
            case .assistant(let turn):
                for part in turn.parts { if case .picture(let number) = part { state.pictures[number] = nil } }
            default: break
            }
        }
        state.transcript.removeSubrange(index...)
        state.scroll = .following
    }

    /// `options` with one setting changed, or why the value is refused.
    static func applySetting(name: String, value: String, to options: GenerationOptions) -> Result<GenerationOptions, CommandError> {
        var options = options
        func float(_ check: (Float) -> Bool, _ rule: String) -> Result<Float, CommandError> {
            guard let number = Float(value), number.isFinite, check(number) else { return .failure(CommandError("\(name) must be \(rule)")) }
            return .success(number)
        }
        // A sampling setting turns sampling on where the model's defaults were greedy, as the
        // command line's --temperature, --top-p and --top-k do.
        func sample() {
            options.text.greedy = false
            options.image.greedy = false
        }
        switch name {
        case "temperature":
            switch float({ $0 >= 0 }, "a number ≥ 0") {
            case .success(let t): options.text.temperature = t; options.image.temperature = t; sample()
            case .failure(let error): return .failure(error)
            }
        case "top_p":
            switch float({ $0 > 0 && $0 <= 1 }, "a number in (0, 1]") {
            case .success(let p): options.text.topP = p; options.image.topP = p; sample()
            case .failure(let error): return .failure(error)
            }
        case "top_k":
            guard let k = Int(value), k >= 0 else { return .failure(CommandError("top_k must be a whole number ≥ 0")) }
            options.text.topK = k
            options.image.topK = k
            sample()
        case "greedy":
            switch value.lowercased() {
            case "on", "true", "yes", "1": options.text.greedy = true; options.image.greedy = true
            case "off", "false", "no", "0": sample()
            default: return .failure(CommandError("greedy must be on or off"))
            }
        case "cfg_text":
            switch float({ $0 >= 0 }, "a number ≥ 0") {
            case .success(let g): options.guidanceText = g
            case .failure(let error): return .failure(error)
            }
        case "cfg_image":
            switch float({ $0 >= 0 }, "a number ≥ 0") {
            case .success(let g): options.guidanceImage = g
            case .failure(let error): return .failure(error)
            }
        case "seed":
            guard let seed = UInt64(value) else { return .failure(CommandError("seed must be a whole number ≥ 0")) }
            options.seed = seed
        default:
            return .failure(CommandError("unknown setting \(name) (\(SlashCommand.settingNames.joined(separator: ", ")))"))
        }
        return .success(options)
    }

    static func settingsText(_ options: GenerationOptions) -> String {
        func number(_ value: Float) -> String { String(format: "%g", value) }
        let greedy = switch (options.text.greedy, options.image.greedy) {
        case (true, true): "on"
        case (false, false): "off"
        case (true, false): "text only"
        case (false, true): "pictures only"
        }
        return "Settings: greedy \(greedy), temperature \(number(options.text.temperature)) (pictures \(number(options.image.temperature))), "
            + "top_p \(number(options.text.topP)), top_k \(options.text.topK), cfg_text \(number(options.guidanceText)), "
            + "cfg_image \(number(options.guidanceImage)), seed \(options.seed)"
    }

    static var helpText: String {
        let commands = SlashCommand.usage.map { entry in
            "  /" + entry.name + (entry.arguments.isEmpty ? "" : " " + entry.arguments) + " — " + entry.summary
        }
        return (["Commands:"] + commands + [
            "Keys:",
            "  Enter sends · Shift+Enter, Alt+Enter or Ctrl+J new line · Up/Down earlier messages · Ctrl+R searches them",
            "  Tab completes · Ctrl+G edits the message in $VISUAL or $EDITOR",
            "  Shift+drag selects text (the chat takes the wheel) · /copy copies the last reply",
            "  Esc or Ctrl+C stops a reply · Ctrl+C twice or Ctrl+D quits · PgUp/PgDn or the wheel scroll",
            "  Ctrl+A/E line start/end · Alt+B/F words · Ctrl+K/U/W cut · Ctrl+Y paste back · Ctrl+L redraw",
            "  Start a message with // to send a line that begins with /",
        ]).joined(separator: "\n")
    }

    // MARK: - Tab completion

    /// Tab: command names, setting and theme names, file paths.
    static func complete(state: inout AppState) -> [Effect] {
        let text = state.input.text
        guard text.hasPrefix("/"), state.input.cursor == text.count else { return [] }
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if words.count == 1 {
            let typed = String(text.dropFirst())
            let names = Array(Set(SlashCommand.names)).sorted().filter { $0.hasPrefix(typed) }
            offer(names.map { "/" + $0 }, typedPrefix: text, finished: " ", state: &state)
            return []
        }
        let command = words[0].lowercased()
        let argument = words.dropFirst().joined(separator: " ")
        switch command {
        case "/set" where words.count == 2:
            offer(SlashCommand.settingNames.filter { $0.hasPrefix(argument) }.map { "/set " + $0 }, typedPrefix: text, finished: " ", state: &state)
        case "/theme" where words.count == 2:
            offer(state.themeNames.filter { $0.hasPrefix(argument) }.map { "/theme " + $0 }, typedPrefix: text, finished: "", state: &state)
        case "/attach", "/read", "/model", "/load", "/save":
            return [.completePath(argument)]
        case "/export" where words.count >= 3:
            return [.completePath(words.dropFirst(2).joined(separator: " "))]
        case "/image" where Int(words[1]) == nil:
            return [.completePath(argument)]
        case "/image" where words.count >= 4 && words[2].lowercased() == "save":
            return [.completePath(words.dropFirst(3).joined(separator: " "))]
        default:
            break
        }
        return []
    }

    /// File names found for `prefix` (directories end in "/").
    static func applyCompletions(prefix: String, candidates: [String], state: inout AppState) {
        let text = state.input.text
        guard text.hasSuffix(prefix) else { return }  // the input changed meanwhile
        let head = String(text.dropLast(prefix.count))
        offer(candidates.map { head + $0 }, typedPrefix: text, finished: "", state: &state)
    }

    /// Completes to the one candidate, or to what all candidates share and lists them.
    static func offer(_ candidates: [String], typedPrefix: String, finished: String, state: inout AppState) {
        guard !candidates.isEmpty else {
            showHint("no completions", state: &state)
            return
        }
        if candidates.count == 1 {
            let only = candidates[0]
            state.input.set(only + (only.hasSuffix("/") ? "" : finished))
            state.completions = []
            return
        }
        var shared = candidates[0]
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(shared) { shared.removeLast() }
        }
        if shared.count > typedPrefix.count { state.input.set(shared) }
        state.completions = candidates.map { candidate in
            let name = candidate.split(separator: " ").last.map(String.init) ?? candidate
            return name.hasSuffix("/") ? (name.dropLast().split(separator: "/").last.map { $0 + "/" } ?? name) : (name.split(separator: "/").last.map(String.init) ?? name)
        }
    }
}
