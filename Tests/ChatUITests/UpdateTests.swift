import ChameleonModel
import ChatEngine
import HalfBlockRendering
import Imaging
import Testing
@testable import ChatUI

/// The reducer on sequences of events: what a user does, and what the chat then shows and asks for.
@Suite struct UpdateTests {
    func assistantParts(_ state: AppState) -> [AssistantPart]? {
        guard case .assistant(let turn) = state.transcript.last else { return nil }
        return turn.parts
    }

    func outcome(_ text: String, cancelled: Bool = false, accepted: Bool = true, error: String? = nil) -> ReplyOutcome {
        ReplyOutcome(message: ChatMessage(role: .assistant, segments: [.text(text)]), userMessageAccepted: accepted,
                     stats: nil, error: error, contextUsed: 42)
    }

    @Test func enterSendsTheMessageAndOpensAReply() {
        var state = makeState()
        type("hi there", &state)
        let effects = press([.enter([])], &state)
        #expect(effects == [.recordHistory("hi there"), .send(.user("hi there"))])
        #expect(state.input.isEmpty)
        #expect(state.isGenerating)
        #expect(state.transcript == [.user(UserTurn(text: "hi there", pictures: [])), .assistant(AssistantTurn())])
    }

    @Test func altEnterCtrlJAndShiftEnterAddLinesWithoutSending() {
        var state = makeState()
        type("a", &state)
        var effects = press([.enter(.alt), .character("b"), .ctrl("j"), .character("c"), .enter(.shift), .character("d")], &state)
        #expect(effects.isEmpty)
        #expect(state.input.text == "a\nb\nc\nd")
        effects = press([.enter([])], &state)
        #expect(effects.last == .send(.user("a\nb\nc\nd")))
    }

    @Test func aPasteNeverSendsEvenWithLineBreaks() {
        var state = makeState()
        let effects = press([.paste("line one\nline two\n\u{1B}[31mred")], &state)
        #expect(effects.isEmpty)
        #expect(!state.isGenerating)
        #expect(state.input.text == "line one\nline two\n[31mred")  // the ESC is dropped
    }

    @Test func enterDuringAReplyKeepsTheMessageAndHints() {
        var state = makeState()
        type("one", &state)
        press([.enter([])], &state)
        type("two", &state)
        let effects = press([.enter([])], &state)
        #expect(effects.isEmpty)
        #expect(state.input.text == "two")
        #expect(state.hint?.kind == .warning)
    }

    @Test func streamedTextGrowsTheTurnAndTheEngineHasTheLastWord() {
        var state = makeState()
        type("hi", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.text("Hel"), at: 2))
        _ = update(&state, .generation(.text("lo"), at: 3))
        #expect(assistantParts(state) == [.text("Hello")])
        _ = update(&state, .replyEnded(outcome("Hello!")))
        #expect(assistantParts(state) == [.text("Hello!")])
        #expect(!state.isGenerating)
        #expect(state.contextUsed == 42)
        guard case .assistant(let turn) = state.transcript.last else { Issue.record("no turn"); return }
        #expect(turn.status == .finished)
    }

    @Test func theContextCountFollowsTheReplyAsItStreams() {
        var state = makeState()
        type("draw", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.contextUsed(30), at: 1))
        #expect(state.contextUsed == 30)
        #expect(StatusLine.left(state).map(\.text).joined().contains("ctx 30/"))
        _ = update(&state, .generation(.contextUsed(46), at: 2))
        #expect(state.contextUsed == 46)
        _ = update(&state, .replyEnded(outcome("done")))
        #expect(state.contextUsed == 42)  // the engine's count at the end has the last word
    }

    @Test func ctrlCStopsAReplyOnceAndTheChatGoesOn() {
        var state = makeState()
        type("tell me a story", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.text("Once"), at: 2))
        #expect(press([.ctrl("c")], &state) == [.stopReply])
        #expect(press([.ctrl("c"), .escape], &state).isEmpty)  // already stopping; does not quit
        #expect(state.isRunning)
        _ = update(&state, .replyEnded(outcome("Once upon", cancelled: true)))
        guard case .assistant(let turn) = state.transcript.last else { Issue.record("no turn"); return }
        #expect(turn.status == .stopped)
        #expect(turn.parts == [.text("Once upon")])
        type("go on", &state)
        #expect(press([.enter([])], &state).last == .send(.user("go on")))
    }

    @Test func escapeStopsAReply() {
        var state = makeState()
        type("x", &state)
        press([.enter([])], &state)
        #expect(press([.escape], &state) == [.stopReply])
    }

    @Test func ctrlCOnAnEmptyPromptWarnsThenQuits() {
        var state = makeState()
        #expect(press([.ctrl("c")], &state).isEmpty)
        #expect(state.hint?.text.contains("again") == true)
        #expect(state.isRunning)
        #expect(press([.ctrl("c")], &state) == [.quit])
        #expect(!state.isRunning)
    }

    @Test func ctrlCBetweenOtherKeysStartsOver() {
        var state = makeState()
        press([.ctrl("c"), .character("a"), .ctrl("c")], &state)  // the second clears the typed "a"
        #expect(state.isRunning && state.input.isEmpty)
        press([.ctrl("c")], &state)
        #expect(state.isRunning)
        press([.ctrl("c")], &state)
        #expect(!state.isRunning)
    }

    @Test func ctrlDQuitsOnlyOnAnEmptyPrompt() {
        var state = makeState()
        type("ab", &state)
        press([.left([]), .ctrl("d")], &state)
        #expect(state.input.text == "a" && state.isRunning)
        press([.backspace([]), .ctrl("d")], &state)
        #expect(!state.isRunning)
    }

    @Test func upAndDownRecallEarlierMessages() {
        var state = makeState(history: ["first", "second"])
        type("dra", &state)
        press([.up([])], &state)
        #expect(state.input.text == "second")
        press([.up([])], &state)
        #expect(state.input.text == "first")
        press([.down([]), .down([])], &state)
        #expect(state.input.text == "dra")
    }

    @Test func upInAMultiLineMessageMovesBetweenItsLines() {
        var state = makeState(history: ["old"])
        type("one", &state)
        press([.ctrl("j")], &state)
        type("two", &state)
        press([.up([])], &state)
        #expect(state.input.text == "one\ntwo")
        #expect(state.input.lineAndColumn.line == 0)
        press([.up([])], &state)
        #expect(state.input.text == "old")
    }

    @Test func sentMessagesJoinTheHistory() {
        var state = makeState()
        type("hello", &state)
        press([.enter([])], &state)
        _ = update(&state, .replyEnded(outcome("hi")))
        press([.up([])], &state)
        #expect(state.input.text == "hello")
    }

    func stateAfterOneExchange() -> AppState {
        var state = makeState()
        type("draw a circle", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.text("Here."), at: 2))
        _ = update(&state, .replyEnded(outcome("Here.")))
        return state
    }

    @Test func ctrlRSearchesEarlierMessagesNewestFirst() {
        var state = makeState(history: ["draw a red circle", "hello", "Draw a blue square"])
        type("typed", &state)
        press([.ctrl("r")], &state)
        type("draw", &state)
        #expect(state.input.text == "Draw a blue square")  // case is ignored
        press([.ctrl("r")], &state)
        #expect(state.input.text == "draw a red circle")
        press([.ctrl("r")], &state)  // no older match: it stays
        #expect(state.input.text == "draw a red circle")
        type("x", &state)
        #expect(state.historySearch?.match == nil)
        #expect(state.input.text == "typed")
        #expect(view(state).textLines().contains { $0.contains("history search: drawx (no match)") })
        press([.backspace([])], &state)
        #expect(state.input.text == "Draw a blue square")
        press([.escape], &state)  // cancels: the typed text comes back
        #expect(state.input.text == "typed")
        #expect(state.historySearch == nil)

        press([.ctrl("r")], &state)
        type("hel", &state)
        #expect(press([.enter([])], &state).last == .send(.user("hello")))
        #expect(state.historySearch == nil)
    }

    @Test func anEditingKeyEndsTheSearchKeepingTheMatch() {
        var state = makeState(history: ["draw a red circle"])
        press([.ctrl("r")], &state)
        type("red", &state)
        press([.ctrl("e")], &state)
        #expect(state.historySearch == nil)
        type(" now", &state)
        #expect(state.input.text == "draw a red circle now")
    }

    @Test func ctrlGHandsTheMessageToTheEditorAndTakesItBack() {
        var state = makeState()
        type("a cat", &state)
        #expect(press([.ctrl("g")], &state) == [.editExternally("a cat")])
        _ = update(&state, .editedExternally("a dog\non two lines"))
        #expect(state.input.text == "a dog\non two lines")
        _ = update(&state, .editorFailed("the editor 'false' exited with status 1; the message is unchanged"))
        #expect(state.input.text == "a dog\non two lines")
        #expect(state.hint?.kind == .warning)
    }

    @Test func aDroppedPNGIsAttachedNotTyped() {
        var state = makeState()
        for (pasted, path) in [("/home/me/cat.png", "/home/me/cat.png"), ("'/tmp/my cat.PNG' ", "/tmp/my cat.PNG"),
                               ("/tmp/my\\ cat.png", "/tmp/my cat.png"), ("file:///tmp/a%20b.png\n", "/tmp/a b.png"),
                               ("~/pictures/x.png", "~/pictures/x.png")] {
            #expect(press([.paste(pasted)], &state) == [.attachPicture(path: path)], "\(pasted)")
            #expect(state.input.text.isEmpty)
        }
        for pasted in ["cat.png", "see /tmp/cat.png", "/tmp/cat.jpg", "/tmp/a.png\n/tmp/b.png"] {
            state.input.clear()
            #expect(press([.paste(pasted)], &state).isEmpty, "\(pasted)")
            #expect(!state.input.text.isEmpty)
        }
    }

    @Test func copyPutsTheLastRepliesTextOnTheClipboard() {
        var state = makeState()
        type("/copy", &state)
        #expect(press([.enter([])], &state) == [.recordHistory("/copy")])
        #expect(state.hint?.kind == .warning)
        state = stateAfterOneExchange()
        type("/copy", &state)
        #expect(press([.enter([])], &state).last == .copyToClipboard("Here."))
        type("again", &state)
        press([.enter([])], &state)
        _ = update(&state, .replyEnded(outcome("a\u{1B}]52;c;bad\u{07} line\nnext")))
        type("/copy", &state)
        #expect(press([.enter([])], &state).last == .copyToClipboard("a]52;c;bad line\nnext"))
    }

    @Test func copyToClipboardIsOneOSC52Sequence() {
        #expect(clipboardSequence("héllo") == "\u{1B}]52;c;aMOpbGxv\u{07}")
    }

    @Test func undoDropsTheLastExchange() {
        var state = stateAfterOneExchange()
        type("/undo", &state)
        let effects = press([.enter([])], &state)
        #expect(effects == [.recordHistory("/undo"), .undoLastExchange])
        #expect(state.transcript.isEmpty)
    }

    @Test func editPutsTheMessageBackToChange() {
        var state = stateAfterOneExchange()
        type("/edit", &state)
        #expect(press([.enter([])], &state).last == .undoLastExchange)
        #expect(state.input.text == "draw a circle")
        #expect(state.transcript.isEmpty)
    }

    @Test func retryRegeneratesTheLastReply() {
        var state = stateAfterOneExchange()
        let seed = state.options.seed
        type("/retry", &state)
        let effects = press([.enter([])], &state)
        #expect(effects.last == .retry(.user("draw a circle")))
        // Another sample, not the same one again: the seed moves on first.
        var options = state.options
        options.seed = seed &+ 1
        #expect(state.options == options && effects.contains(.applyOptions(options)))
        #expect(state.transcript == [.user(UserTurn(text: "draw a circle", pictures: [])), .assistant(AssistantTurn())])
        #expect(state.isGenerating)
    }

    @Test func conversationCommandsWaitForTheReply() {
        var state = makeState()
        type("x", &state)
        press([.enter([])], &state)
        for command in ["/undo", "/retry", "/new", "/edit"] {
            type(command, &state)
            #expect(press([.enter([])], &state) == [.recordHistory(command)], "\(command)")
            #expect(state.hint?.kind == .warning)
        }
    }

    @Test func aMessageTheModelRefusedIsMarkedAndRetrySendsItAgain() {
        var state = makeState()
        type("far too long", &state)
        press([.enter([])], &state)
        _ = update(&state, .replyEnded(ReplyOutcome(message: nil, userMessageAccepted: false, stats: nil,
                                                    error: "the message needs 300 tokens", contextUsed: 0)))
        #expect(state.transcript == [.user(UserTurn(text: "far too long", pictures: [], inConversation: false)),
                                     .error("the message needs 300 tokens")])
        type("/retry", &state)
        #expect(press([.enter([])], &state).last == .send(.user("far too long")))
    }

    @Test func unknownCommandsGetAHint() {
        var state = makeState()
        type("/hlep", &state)
        press([.enter([])], &state)
        #expect(state.hint?.text == "unknown command /hlep. Did you mean /help? Type /help for the list.")
        #expect(state.transcript.isEmpty)
    }

    @Test func doubleSlashSendsALineStartingWithASlash() {
        var state = makeState()
        type("//etc is a directory", &state)
        #expect(press([.enter([])], &state).last == .send(.user("/etc is a directory")))
    }

    @Test func setChangesSamplingAndRefusesBadValues() {
        var state = makeState()
        state.options.text.greedy = true  // a model whose defaults are greedy, as the built-in one
        state.options.image.greedy = true
        type("/set temperature 0.25", &state)
        let effects = press([.enter([])], &state)
        var expected = GenerationOptions()
        expected.text.temperature = 0.25
        expected.image.temperature = 0.25
        expected.text.greedy = false  // a sampling setting turns sampling on
        expected.image.greedy = false
        #expect(effects.last == .applyOptions(expected))
        #expect(state.options == expected)
        for bad in ["/set top_p 2", "/set top_k -1", "/set seed x", "/set warmth 1"] {
            type(bad, &state)
            #expect(press([.enter([])], &state) == [.recordHistory(bad)], "\(bad)")
            #expect(state.options == expected)
        }
        type("/set cfg_image 1.5", &state)
        press([.enter([])], &state)
        #expect(state.options.guidanceImage == 1.5)
        type("/set greedy on", &state)
        press([.enter([])], &state)
        #expect(state.options.text.greedy && state.options.image.greedy)
        #expect(Update.settingsText(state.options).hasPrefix("Settings: greedy on, "))
        type("/set greedy maybe", &state)
        #expect(press([.enter([])], &state) == [.recordHistory("/set greedy maybe")])
        type("/set top_k 40", &state)
        press([.enter([])], &state)
        #expect(!state.options.text.greedy && !state.options.image.greedy && state.options.text.topK == 40)
    }

    @Test func saveLoadAndExportAskTheStorage() {
        var state = makeState()
        type("/save", &state)
        #expect(press([.enter([])], &state).last == .saveConversation(path: nil))
        type("/save ~/keep", &state)
        #expect(press([.enter([])], &state).last == .saveConversation(path: "~/keep"))
        type("/export html chat.html", &state)
        #expect(press([.enter([])], &state).last == .exportConversation(format: "html", path: "chat.html"))
        type("/load latest", &state)
        #expect(press([.enter([])], &state).last == .loadConversation("latest"))
        type("x", &state)
        press([.enter([])], &state)
        type("/load latest", &state)
        #expect(press([.enter([])], &state) == [.recordHistory("/load latest")])  // not during a reply
    }

    @Test func aLoadedConversationReplacesTheTranscriptAndItsPicturesAreDecoded() {
        var state = stateAfterOneExchange()
        var options = GenerationOptions()
        options.seed = 77
        let loaded = LoadedConversation(name: "session 1", turns: [
            StoredTurn(message: .user("old"), inContext: false),
            StoredTurn(message: ChatMessage(role: .assistant, segments: [.text("see:"), .picture(codes: [5, 6, 7, 8])]), inContext: true),
        ], options: options, warnings: ["made by another model"])
        let effects = update(&state, .conversationLoaded(loaded))
        #expect(effects == [.decodePicture(number: 1, codes: [5, 6, 7, 8])])
        #expect(state.transcript == [
            .user(UserTurn(text: "old", pictures: [], inConversation: false)),
            .assistant(AssistantTurn(parts: [.text("see:"), .picture(1)], status: .finished)),
            .notice("Loaded session 1 (2 turns)."),
            .notice("made by another model"),
        ])
        #expect(state.pictures[1]?.phase == .decoding)
        #expect(state.options.seed == 77)
    }

    @Test func tabCompletesCommandsAndSettings() {
        var state = makeState()
        type("/he", &state)
        press([.tab], &state)
        #expect(state.input.text == "/help ")
        state.input.clear()
        type("/set to", &state)
        press([.tab], &state)
        #expect(state.input.text == "/set top_")
        #expect(state.completions == ["top_p", "top_k"])
        state.input.clear()
        type("/attach ~/pi", &state)
        #expect(press([.tab], &state) == [.completePath("~/pi")])
        _ = update(&state, .pathCompletions(prefix: "~/pi", candidates: ["~/pictures/"]))
        #expect(state.input.text == "/attach ~/pictures/")
        state.input.clear()
        type("/image ~/pi", &state)
        #expect(press([.tab], &state) == [.completePath("~/pi")])
        state.input.clear()
        type("/image 2 save out/p", &state)
        #expect(press([.tab], &state) == [.completePath("out/p")])
    }

    @Test func themeSwitchesLive() {
        var state = makeState()
        var light = Theme.builtInDark
        light.name = "light"
        light.colors[.transcriptBackground] = RGB(250, 250, 250)
        type("/theme light", &state)
        #expect(press([.enter([])], &state).last == .loadTheme("light"))
        _ = update(&state, .themeLoaded(light))
        #expect(state.styles.transcript.background == .rgb(RGB(250, 250, 250)))
    }

    // MARK: - Pictures

    func stateDrawingAPicture() -> (AppState, [Effect]) {
        var state = makeState(columns: 30, rows: 20)
        type("draw", &state)
        press([.enter([])], &state)
        var effects = update(&state, .generation(.text("Here: "), at: 10))
        effects += update(&state, .generation(.pictureBegan(index: 0, codesTotal: 16), at: 10))
        for position in 0 ..< 4 {
            effects += update(&state, .generation(.pictureCode(index: 0, position: position, code: 100 + position), at: 10 + Double(position + 1)))
        }
        return (state, effects)
    }

    @Test func codesAskForPreviewsAndTheFinishedPictureForADecode() {
        var (state, effects) = stateDrawingAPicture()
        #expect(effects.first == .previewPicture(number: 1, codes: [], total: 16))
        #expect(effects.last == .previewPicture(number: 1, codes: [100, 101, 102, 103], total: 16))
        #expect(assistantParts(state) == [.text("Here: "), .picture(1)])
        let codes = Array(100 ..< 116)
        #expect(update(&state, .generation(.pictureFinished(index: 0, codes: codes), at: 30)) == [.decodePicture(number: 1, codes: codes)])
        #expect(state.pictures[1]?.phase == .decoding)
        #expect(state.currentPicture == nil)
        let picture = twoTonePicture()
        _ = update(&state, .pictureDecoded(number: 1, image: picture))
        #expect(state.pictures[1]?.phase == .done)
        #expect(state.pictures[1]?.cells == Layout.pictureCells(picture, size: state.size, mode: .truecolor))
    }

    @Test func statusShowsCodesDoneAndTimeLeft() {
        let (state, _) = stateDrawingAPicture()
        // 4 codes in 4 s (from t=10 to t=14): 12 to go at 1 code/s.
        #expect(StatusLine.right(state)?.text == "picture 1: 4/16 codes · 12 s left ")
    }

    @Test func previewsOlderThanTheShownOneAreIgnored() {
        var (state, _) = stateDrawingAPicture()
        let newer = twoTonePicture(side: 8), older = twoTonePicture(side: 4)
        _ = update(&state, .picturePreview(number: 1, image: newer, codes: 4))
        _ = update(&state, .picturePreview(number: 1, image: older, codes: 2))
        #expect(state.pictures[1]?.image == newer)
    }

    @Test func aStoppedPictureIsMarkedAndLeftOutOfTheConversation() {
        var (state, _) = stateDrawingAPicture()
        press([.escape], &state)
        _ = update(&state, .replyEnded(outcome("Here: ", cancelled: true)))
        #expect(state.pictures[1]?.phase == .stopped)
        #expect(assistantParts(state) == [.text("Here: "), .picture(1)])
        let caption = TranscriptLines.caption(state.pictures[1]!, state: state)
        #expect(caption == "picture 1 · stopped at 4/16 codes, not kept in the conversation")
    }

    @Test func resizingRedrawsPicturesAtTheNewWidth() {
        var (state, _) = stateDrawingAPicture()
        _ = update(&state, .pictureDecoded(number: 1, image: twoTonePicture(side: 64)))
        #expect(state.pictures[1]?.cells?.width == 22)  // 11 rows: two thirds of the 17 rows not taken by input and status
        _ = update(&state, .resize(TerminalSize(columns: 20, rows: 20)))
        #expect(state.pictures[1]?.cells?.width == 17)  // 20 columns − indent − 1
        _ = update(&state, .resize(TerminalSize(columns: 80, rows: 60)))
        #expect(state.pictures[1]?.cells?.width == Layout.maxPictureColumns)
    }

    @Test func savingAPictureNeedsAFinishedOne() {
        var (state, _) = stateDrawingAPicture()
        type("/image 1 save out.png", &state)
        #expect(press([.enter([])], &state) == [.recordHistory("/image 1 save out.png")])
        let picture = twoTonePicture()
        _ = update(&state, .generation(.pictureFinished(index: 0, codes: Array(0 ..< 16)), at: 20))
        _ = update(&state, .pictureDecoded(number: 1, image: picture))
        type("/image 1 save ~/my pictures/out.png", &state)
        #expect(press([.enter([])], &state).last == .savePicture(number: 1, image: picture, path: "~/my pictures/out.png"))
    }

    @Test func anAttachmentGoesWithTheNextMessage() {
        var state = makeState(columns: 40, rows: 20)
        let picture = twoTonePicture()
        _ = update(&state, .attachmentReady(Attachment(name: "cat.png", image: picture, codes: [1, 2, 3, 4])))
        #expect(state.attachmentCells != nil)
        type("what is this?", &state)
        let effects = press([.enter([])], &state)
        #expect(effects.last == .send(ChatMessage(role: .user, segments: [.picture(codes: [1, 2, 3, 4]), .text("what is this?")])))
        #expect(state.attachment == nil)
        #expect(state.transcript.first == .user(UserTurn(text: "what is this?", pictures: [1])))
        #expect(state.pictures[1]?.title == "cat.png")
    }

    /// The preview beside the input stays within its rows and columns whatever the picture's
    /// shape (a 1-pixel-wide PNG hundreds of thousands tall attaches without a huge grid).
    @Test func anAttachmentPreviewFitsItsBox() throws {
        var state = makeState(columns: 40, rows: 20)
        for (width, height) in [(1, 300_000), (64, 64), (300_000, 1)] {
            let picture = RGBImage(width: width, height: height, filledWith: RGB(200, 10, 10))
            _ = update(&state, .attachmentReady(Attachment(name: "odd.png", image: picture, codes: [1])))
            let cells = try #require(state.attachmentCells)
            #expect(cells.height <= Layout.attachmentPreviewRows && cells.width <= Layout.attachmentPreviewColumns, "\(width)×\(height)")
        }
        #expect(state.attachmentCells?.width == Layout.attachmentPreviewColumns, "a wide picture keeps the full width")
    }

    @Test func aContextNoticeGoesAboveTheReplyItConcerns() {
        var state = makeState()
        type("x", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.notice("The context was full: dropped the 1 oldest exchange."), at: 2))
        #expect(state.transcript == [.user(UserTurn(text: "x", pictures: [])),
                                     .notice("The context was full: dropped the 1 oldest exchange."),
                                     .assistant(AssistantTurn())])
    }

    @Test func exchangesTheContextDroppedAreLabelledOutOfTheConversation() {
        var state = makeState()
        for text in ["one", "two", "three"] {
            type(text, &state)
            press([.enter([])], &state)
            _ = update(&state, .replyEnded(outcome("ok")))
        }
        type("four", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.contextDropped(exchanges: 2), at: 2))
        let users = state.transcript.compactMap { if case .user(let turn) = $0 { turn } else { nil } }
        #expect(users.map(\.text) == ["one", "two", "three", "four"])
        #expect(users.map(\.inConversation) == [false, false, true, true])
        // A later drop takes the next oldest still in the conversation, never the message being answered.
        _ = update(&state, .generation(.contextDropped(exchanges: 5), at: 3))
        let after = state.transcript.compactMap { if case .user(let turn) = $0 { turn.inConversation } else { nil } }
        #expect(after == [false, false, false, true])
    }

    // MARK: - Scrolling

    @Test func scrollingUpHoldsTheViewWhileTheReplyGrows() {
        var state = makeState(columns: 30, rows: 10)
        type("x", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.text((1 ... 30).map { "line \($0)" }.joined(separator: "\n")), at: 2))
        press([.pageUp], &state)
        guard case .line(let first) = state.scroll else { Issue.record("not scrolled"); return }
        let before = view(state).textLines()[0 ..< 5]
        _ = update(&state, .generation(.text("\nmore\nand more"), at: 3))
        #expect(state.scroll == .line(first))
        #expect(view(state).textLines()[0 ..< 5] == before)
        press([.pageDown, .pageDown, .pageDown, .pageDown], &state)
        #expect(state.scroll == .following)
        press([.wheelUp], &state)
        #expect(state.scroll != .following)
        press([.end(.ctrl)], &state)
        #expect(state.scroll == .following)
    }
}
