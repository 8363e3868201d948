import ChameleonModel
import ChatEngine
import Foundation
import HalfBlockRendering
import Imaging
import Testing
@testable import ChatUI

/// What a run of the loop left behind.
struct LoopRun: Sendable {
    var status: Int32
    var state: AppState
    var screen: Screen?
    var restored: Bool
    var scriptFinished: Bool
    /// What `/copy` put on the clipboard, and how often the terminal was handed to an editor.
    var clipboard: String? = nil
    var handOvers = 0
}

/// The run loop end to end, with the tiny fixture model and a terminal in memory: keys go in as
/// the bytes a terminal sends, the engine streams real replies.
@Suite(.serialized) struct ChatLoopTests {
    func makeEngine(seed: UInt64 = 5) throws -> (InferenceEngine, ModelInfo) {
        var options = GenerationOptions()
        options.seed = seed
        return try EngineLoader.load(directory: Fixtures.engine, options: options)
    }

    /// Runs a loop on its own thread (as the app runs it on the main thread, outside the pool the
    /// engine uses). `script` sees the state before each read and returns the next input, or nil
    /// to wait; a loop still running after `limit` seconds (times OMNICHAT_TEST_TIME_SCALE, which
    /// tools/sanitize.sh sets: instrumented builds run several times slower) is sent Ctrl+D and
    /// the run fails.
    func runLoop(engine: InferenceEngine, model: ModelInfo, size: TerminalSize = TerminalSize(columns: 60, rows: 30),
                 limit: Double = 120, codec: any PictureCodec = UnavailablePictureCodec(),
                 services: ChatServices? = nil,
                 script: @escaping @Sendable (AppState, Screen?) -> [UInt8]?) async -> LoopRun {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let terminal = InMemoryTerminal(size: size)
                let state = AppState(size: size, theme: .builtInDark, colorMode: .truecolor, model: model,
                                     options: GenerationOptions(), pictureLimitation: codec.limitation)
                let services = services ?? ChatServices(
                    readPicture: { _ in throw PictureCodecError("no files in this test") },
                    writePicture: { _, _ in }, themes: ThemeCatalog(userDirectory: nil, builtInDirectory: nil), history: nil)
                let loop = ChatLoop(terminal: terminal, engine: engine, codec: codec, services: services, state: state)
                let start = ChatLoop.monotonicSeconds()
                var finished = true
                terminal.inputSource = { [unowned loop] terminal in
                    if ChatLoop.monotonicSeconds() - start > limit * Self.timeScale {
                        finished = false
                        return .bytes([4, 4])
                    }
                    if let bytes = script(loop.state, terminal.screen) { return .bytes(bytes) }
                    usleep(2000)
                    return .timedOut
                }
                let status = loop.run(handleSignals: false)
                continuation.resume(returning: LoopRun(status: status, state: loop.state, screen: terminal.screen,
                                                       restored: terminal.restored, scriptFinished: finished,
                                                       clipboard: terminal.clipboard, handOvers: terminal.handOvers))
            }
            thread.start()
        }
    }

    static let timeScale = Double(ProcessInfo.processInfo.environment["OMNICHAT_TEST_TIME_SCALE"] ?? "") ?? 1

    /// A script of steps taken in order, each waiting for its condition.
    final class Steps: @unchecked Sendable {
        // Confined to the loop's thread: only the loop calls `next`, from its one thread.
        private var steps: [(condition: (AppState) -> Bool, bytes: [UInt8])]
        init(_ steps: [(condition: (AppState) -> Bool, bytes: [UInt8])]) { self.steps = steps }
        func next(_ state: AppState) -> [UInt8]? {
            guard let step = steps.first, step.condition(state) else { return nil }
            steps.removeFirst()
            return step.bytes
        }
    }

    static func replyEnded(_ state: AppState) -> Bool {
        if case .assistant(let turn) = state.transcript.last { return turn.status != .streaming && !state.isGenerating }
        return false
    }

    @Test func aMessageGetsAStreamedReplyAndQuittingRestoresTheTerminal() async throws {
        let (engine, model) = try makeEngine()
        let steps = Steps([
            ({ _ in true }, Array("hello\r".utf8)),
            ({ Self.replyEnded($0) }, [4]),  // Ctrl+D
        ])
        let run = await runLoop(engine: engine, model: model) { state, _ in steps.next(state) }
        let finished = run.scriptFinished
        #expect(finished)
        #expect(run.status == 0)
        #expect(run.restored)
        let messages = await engine.messages
        try #require(messages.count == 2)
        #expect(run.state.transcript.first == .user(UserTurn(text: "hello", pictures: [])))
        guard case .assistant(let turn) = run.state.transcript.last else { Issue.record("no reply"); return }
        #expect(turn.status == .finished)
        let shownText = turn.parts.compactMap { if case .text(let t) = $0 { t } else { nil } }.joined()
        #expect(shownText == messages[1].text)
        #expect(run.state.contextUsed == (await engine.contextUsage.used))
        #expect(run.state.lastStats != nil)
        #expect(view(run.state).textLines().last?.contains("tok/s") == true)
    }

    @Test func escapeStopsAReplyAndTheChatGoesOn() async throws {
        let (engine, model) = try makeEngine(seed: 9)
        let steps = Steps([
            ({ _ in true }, Array("tell me a long story\r".utf8)),
            // Esc as soon as the reply is asked for (alone: the decoder waits a moment, then reads
            // it as Escape), so the reply is stopped whatever the speed of the machine.
            ({ $0.isGenerating }, [0x1B]),
            ({ Self.replyEnded($0) }, Array("and then?\r".utf8)),
            ({ Self.replyEnded($0) && $0.transcript.count == 4 }, [3, 3]),  // Ctrl+C twice
        ])
        let run = await runLoop(engine: engine, model: model) { state, _ in steps.next(state) }
        let finished = run.scriptFinished
        #expect(finished)
        #expect(run.status == 0 && run.restored)
        let messages = await engine.messages
        #expect(messages.map(\.role) == [.user, .assistant, .user, .assistant])
        guard case .assistant(let stopped) = run.state.transcript[1] else { Issue.record("no first reply"); return }
        #expect(stopped.status == .stopped)
        let shownText = stopped.parts.compactMap { if case .text(let t) = $0 { t } else { nil } }.joined()
        #expect(shownText == messages[1].text)
    }

    @Test func aDrawnPictureAppearsWithItsCaptionAndStaysInTheConversation() async throws {
        let (engine, model) = try makeEngine(seed: 1)
        // The tiny model draws now and then: try seeds until a reply holds a picture.
        final class Search: @unchecked Sendable {
            // Confined to the loop's thread.
            var seed = 0
            var pending: [[UInt8]] = []
        }
        let search = Search()
        let run = await runLoop(engine: engine, model: model, size: TerminalSize(columns: 60, rows: 40)) { state, _ in
            if !search.pending.isEmpty { return search.pending.removeFirst() }
            if state.isGenerating { return nil }
            let hasPicture = state.pictures.values.contains { $0.phase == .done }
            if hasPicture { return [4] }
            if state.pictures.values.contains(where: { $0.phase == .decoding }) { return nil }
            guard search.seed < 60 else { return [4] }
            search.seed += 1
            search.pending = [Array("/new\r".utf8), Array("/set seed \(search.seed)\r".utf8), Array("draw a red circle\r".utf8)]
            return search.pending.removeFirst()
        }
        let finished = run.scriptFinished
        #expect(finished)
        let number = try #require(run.state.pictures.first { $0.value.phase == .done }?.key, "no seed of 60 drew a picture")
        let picture = try #require(run.state.pictures[number])
        #expect(picture.codes.count == picture.total)
        // The engine kept the picture's codes in the conversation.
        let kept = await engine.messages.flatMap(\.pictures)
        #expect(kept.contains(picture.codes))
        // On screen: the no-decoder squares (every code arrived) and the caption that says so.
        let screen = view(run.state)
        let arrived = TerminalColor.rgb(UnavailablePictureCodec.arrived)
        var found = false
        for row in 0 ..< screen.height {
            for column in 0 ..< screen.width where screen[row, column].cell.foreground == arrived { found = true }
        }
        #expect(found)
        #expect(screen.textSnapshot().contains("no picture decoder"))
    }

    @Test func ctrlGEditsInTheEditorAndCopyReachesTheClipboard() async throws {
        let (engine, model) = try makeEngine()
        let services = ChatServices(
            readPicture: { _ in throw PictureCodecError("no files in this test") }, writePicture: { _, _ in },
            themes: ThemeCatalog(userDirectory: nil, builtInDirectory: nil), history: nil,
            editText: { $0.replacingOccurrences(of: "cat", with: "dog") })
        let steps = Steps([
            ({ _ in true }, Array("hello cat".utf8) + [7]),  // Ctrl+G
            ({ $0.input.text == "hello dog" }, Array("\r".utf8)),
            ({ Self.replyEnded($0) }, Array("/copy\r".utf8)),
            ({ $0.hint?.text.hasPrefix("copied") == true }, [4]),
        ])
        let run = await runLoop(engine: engine, model: model, services: services) { state, _ in steps.next(state) }
        let finished = run.scriptFinished
        #expect(finished)
        #expect(run.handOvers == 1)
        #expect(run.state.transcript.first == .user(UserTurn(text: "hello dog", pictures: [])))
        let reply = await engine.messages.last.map { Update.pasteable($0.text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(run.clipboard != nil && run.clipboard == reply)
    }

    /// `/read` puts a file's text in the input, where it can be edited before it is sent; a file
    /// that is not text is a one-line error and the chat goes on.
    @Test func readPutsAFileInTheInputToSend() async throws {
        let (engine, model) = try makeEngine()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let notes = directory.appendingPathComponent("notes.txt"), binary = directory.appendingPathComponent("b.bin")
        try Data("a red circle\non blue\n".utf8).write(to: notes)
        try Data([0x41, 0, 0x42]).write(to: binary)
        let steps = Steps([
            ({ _ in true }, Array("/read \(binary.path)\r".utf8)),
            ({ $0.transcript.contains { if case .error = $0 { true } else { false } } }, Array("/read \(notes.path)\r".utf8)),
            ({ $0.input.text.hasSuffix("on blue") }, Array(" please\r".utf8)),
            ({ Self.replyEnded($0) }, [4]),
        ])
        let run = await runLoop(engine: engine, model: model) { state, _ in steps.next(state) }
        let finished = run.scriptFinished
        #expect(finished)
        #expect(run.state.transcript.contains(.error("cannot read: \(binary.path) is not UTF-8 text")))
        #expect(run.state.transcript.contains(.user(UserTurn(text: "a red circle\non blue please", pictures: []))))
    }

    /// `/model` with a slow conversion: the hint line counts the parts as they load (a hint
    /// alone would expire while a big model still converts), then the new model takes over.
    @Test func aModelLoadShowsItsProgress() async throws {
        let (engine, model) = try makeEngine()
        let otherModel = Fixtures.engine.deletingLastPathComponent().appendingPathComponent("gqa_bias")
        let halfwaySeen = DispatchSemaphore(value: 0)
        let services = ChatServices(
            readPicture: { path in throw PictureCodecError("\(path) is not a picture in this test") },
            writePicture: { _, _ in }, themes: ThemeCatalog(userDirectory: nil, builtInDirectory: Fixtures.themes), history: nil,
            loadModel: { directory, options, progress in
                progress(1, 2)
                // The load goes on once the chat has shown the first count.
                _ = halfwaySeen.wait(timeout: .now() + 60)
                return try EngineLoader.loadWithoutPictures(directory: directory, options: options, progress: progress)
            })
        let halfway = "loading \(otherModel.path)… 1/2"
        let steps = Steps([
            ({ _ in true }, Array("/model \(otherModel.path)\r".utf8)),
            ({ state in
                guard state.hint?.text == halfway else { return false }
                halfwaySeen.signal()
                return true
            }, []),
            ({ $0.model.name == "gqa_bias" }, [4]),
        ])
        let run = await runLoop(engine: engine, model: model, services: services) { state, _ in steps.next(state) }
        let finished = run.scriptFinished
        #expect(finished)
        #expect(run.state.transcript.contains(.notice("Now talking to gqa_bias (context 256 tokens); the conversation starts anew.")))
    }

    @Test func themeModelAndHistoryCommandsReachTheWorld() async throws {
        let (engine, model) = try makeEngine()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let history = HistoryFile(url: directory.appendingPathComponent("history"))
        let otherModel = Fixtures.engine.deletingLastPathComponent().appendingPathComponent("gqa_bias")
        let services = ChatServices(
            readPicture: { path in throw PictureCodecError("\(path) is not a picture in this test") },
            writePicture: { _, _ in }, themes: ThemeCatalog(userDirectory: nil, builtInDirectory: Fixtures.themes), history: history)
        let steps = Steps([
            ({ _ in true }, Array("/theme light\r".utf8)),
            ({ $0.theme.name == "light" }, Array("/model \(otherModel.path)\r".utf8)),
            ({ $0.model.name == "gqa_bias" }, Array("/attach /nowhere/cat.png\r".utf8)),
            ({ $0.transcript.contains { if case .error = $0 { true } else { false } } }, Array("hello\r".utf8)),
            ({ Self.replyEnded($0) }, [4]),
        ])
        let run = await runLoop(engine: engine, model: model, services: services) { state, _ in steps.next(state) }
        let finished = run.scriptFinished
        #expect(finished)
        #expect(run.state.styles == StyleSheet(theme: try services.themes.load("light"), colorMode: .truecolor))
        #expect(run.state.transcript.contains(.notice("Now talking to gqa_bias (context 256 tokens); the conversation starts anew.")))
        #expect(run.state.transcript.contains(.error("cannot attach /nowhere/cat.png: /nowhere/cat.png is not a picture in this test")))
        #expect(history.load() == ["/theme light", "/model \(otherModel.path)", "/attach /nowhere/cat.png", "hello"])
        // The reply came from the new model: the first engine never saw the message.
        #expect(await engine.messages.isEmpty)
        guard case .assistant(let turn) = run.state.transcript.last else { Issue.record("no reply"); return }
        #expect(turn.status == .finished)
    }
}

/// The loop's use of conversation storage, with a storage that records what it is asked.
@Suite(.serialized) struct ChatLoopStorageTests {
    /// What the loop asked the storage to do, in order.
    final class Calls: Sendable {
        let log = Locked<[String]>([])
        func add(_ entry: String) { log.withLock { $0.append(entry) } }
        var entries: [String] { log.withLock { $0 } }
    }

    /// Quitting right after a reply (or during it) waits for the save after it: the reply the user
    /// saw is on disk when the program exits, however long pictures take to write.
    @Test func quittingRightAfterAReplyWaitsForItsSave() async throws {
        let (engine, model) = try ChatLoopTests().makeEngine()
        let calls = Calls()
        let storage = ConversationStorage(
            autosave: { engine, pending in
                if pending == nil { try? await Task.sleep(nanoseconds: 300_000_000) }  // pictures being written
                calls.add("autosave \(await engine.messages.count) + \(pending?.text ?? "nothing")")
                return nil
            },
            save: { _, _ in "saved" },
            load: { _, _ in throw PictureCodecError("no sessions here") },
            export: { _, _, _ in "exported" },
            startNew: { _, _ in nil })
        let services = ChatServices(readPicture: { _ in throw PictureCodecError("none") }, writePicture: { _, _ in },
                                    themes: ThemeCatalog(userDirectory: nil, builtInDirectory: nil), history: nil, storage: storage)
        let steps = ChatLoopTests.Steps([
            ({ _ in true }, Array("hello\r".utf8)),
            ({ ChatLoopTests.replyEnded($0) }, [4]),
        ])
        let run = await ChatLoopTests().runLoop(engine: engine, model: model, services: services) { state, _ in steps.next(state) }
        #expect(run.scriptFinished)
        #expect(calls.entries == ["autosave 0 + hello", "autosave 2 + nothing"])
    }

    @Test func messagesAreSavedBeforeAndAfterTheirRepliesAndLoadReplacesTheTranscript() async throws {
        let (engine, model) = try ChatLoopTests().makeEngine()
        let calls = Calls()
        let loadedTurns = [StoredTurn(message: .user("an old question"), inContext: false),
                           StoredTurn(message: ChatMessage(role: .assistant, segments: [.text("an old answer")]), inContext: true)]
        let storage = ConversationStorage(
            autosave: { engine, pending in
                calls.add("autosave \(await engine.messages.count) + \(pending?.text ?? "nothing")")
                return nil
            },
            save: { _, path in
                calls.add("save \(path ?? "-")")
                return "saved"
            },
            load: { _, reference in
                calls.add("load \(reference)")
                return LoadedConversation(name: "session x", turns: loadedTurns, options: GenerationOptions(), warnings: ["made by another model"])
            },
            export: { _, format, path in
                calls.add("export \(format) \(path)")
                throw PictureCodecError("the disk is full")
            },
            startNew: { _, _ in
                calls.add("new")
                return nil
            })
        let services = ChatServices(readPicture: { _ in throw PictureCodecError("none") }, writePicture: { _, _ in },
                                    themes: ThemeCatalog(userDirectory: nil, builtInDirectory: nil), history: nil, storage: storage)
        let steps = ChatLoopTests.Steps([
            ({ _ in true }, Array("hello\r".utf8)),
            ({ ChatLoopTests.replyEnded($0) }, Array("/save\r/export md out.md\r".utf8)),
            ({ $0.transcript.contains(.error("not exported: the disk is full")) }, Array("/load latest\r".utf8)),
            ({ $0.transcript.first == .user(UserTurn(text: "an old question", pictures: [], inConversation: false)) }, Array("/new\r".utf8)),
            ({ $0.transcript.isEmpty }, [4]),
        ])
        let run = await ChatLoopTests().runLoop(engine: engine, model: model, services: services) { state, _ in steps.next(state) }
        let finished = run.scriptFinished
        #expect(finished)
        // Quitting waits for the worker's last job.
        #expect(calls.entries == ["autosave 0 + hello", "autosave 2 + nothing", "save -", "export md out.md", "load latest", "new"])
    }
}
