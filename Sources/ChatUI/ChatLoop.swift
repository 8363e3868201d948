import ChameleonModel
import TensorMath
import ChatEngine
import Dispatch
import Foundation
import Imaging

/// What the chat needs from the world beyond the terminal and the model, injected so the run
/// loop can be tested: picture files, themes, the history file and conversation storage.
public struct ChatServices: Sendable {
    /// Reads a picture file (PNG) as RGB.
    public var readPicture: @Sendable (String) throws -> RGBImage
    /// Writes a picture file (PNG).
    public var writePicture: @Sendable (RGBImage, String) throws -> Void
    public var themes: ThemeCatalog
    /// Where input history is kept; nil keeps none.
    public var history: HistoryFile?
    /// Saving, loading and exporting conversations; nil when there is none.
    public var storage: ConversationStorage?
    /// Loads a model for `/model`: its engine, name and picture codec.
    public var loadModel: ModelLoader
    /// Ctrl+G: edits the message being typed and returns the new text (the terminal is handed
    /// over while it runs).
    public var editText: @Sendable (String) throws -> String

    public init(readPicture: @escaping @Sendable (String) throws -> RGBImage, writePicture: @escaping @Sendable (RGBImage, String) throws -> Void,
                themes: ThemeCatalog, history: HistoryFile?, storage: ConversationStorage? = nil,
                loadModel: @escaping ModelLoader = EngineLoader.loadWithoutPictures,
                editText: @escaping @Sendable (String) throws -> String = { text in
                    try ExternalEditor.edit(text, command: ExternalEditor.command(environment: ProcessInfo.processInfo.environment))
                }) {
        self.readPicture = readPicture
        self.writePicture = writePicture
        self.themes = themes
        self.history = history
        self.storage = storage
        self.loadModel = loadModel
        self.editText = editText
    }
}

/// A model ready to chat: its engine, how the status line names it, how its pictures are drawn.
public struct LoadedModel: Sendable {
    public var engine: InferenceEngine
    public var info: ModelInfo
    public var codec: any PictureCodec
    public init(engine: InferenceEngine, info: ModelInfo, codec: any PictureCodec) {
        self.engine = engine
        self.info = info
        self.codec = codec
    }
}

/// Loads the model in a directory with the given options, telling `progress` (parts loaded, parts
/// in all) as its weights load, so a slow conversion can be shown.
public typealias ModelLoader = @Sendable (_ directory: URL, _ options: GenerationOptions,
                                          _ progress: @escaping @Sendable (_ loaded: Int, _ total: Int) -> Void) throws -> LoadedModel

/// Loads a model directory into an engine.
public enum EngineLoader {
    /// The engine for the model in `directory` with its projections held as `weightFormat`
    /// (bf16 ones used in place in the file mapping unless `mapWeights` is false), and how the
    /// status line names it; `loadProgress` is told how far the weights have loaded.
    public static func load(directory: URL, options: GenerationOptions,
                            weightFormat: WeightFormat? = nil, mapWeights: Bool = true,
                            loadProgress: ((_ loaded: Int, _ total: Int) -> Void)? = nil) throws -> (InferenceEngine, ModelInfo) {
        let checkpoint = try ChameleonCheckpoint(directory: directory, weightFormat: weightFormat, mapWeights: mapWeights,
                                                 loadProgress: loadProgress)
        let format = try ConversationFormat.load(directory: directory)
        let engine = try InferenceEngine(checkpoint: checkpoint, format: format, options: options)
        let name = directory.standardizedFileURL.lastPathComponent
        let shown = name.isEmpty ? "model" : name
        let heldAs = checkpoint.model.weights.format
        return (engine, ModelInfo(name: weightFormat == nil ? shown : "\(shown) (\(heldAs))",
                                  contextLength: checkpoint.model.contextLength))
    }

    /// The model with `UnavailablePictureCodec` (for a build or test without an image tokenizer).
    @Sendable public static func loadWithoutPictures(directory: URL, options: GenerationOptions,
                                                     progress: @escaping @Sendable (Int, Int) -> Void) throws -> LoadedModel {
        let (engine, info) = try load(directory: directory, options: options, loadProgress: progress)
        return LoadedModel(engine: engine, info: info, codec: UnavailablePictureCodec())
    }
}

/// The chat's run loop: the only impure part of the UI. On each turn it reads the terminal,
/// decodes keys, takes the events other threads posted, runs them through `update`, carries out
/// the effects, and draws `view(state)` when something changed (throttled).
///
/// The loop runs on the calling thread (the main thread, outside Swift's cooperative pool, which
/// the model's work occupies). The engine is driven by one task that takes jobs in order (send,
/// undo, reset, settings, model switch), so the conversation changes exactly in the order the
/// user asked.
public final class ChatLoop {
    public private(set) var state: AppState
    private let terminal: any Terminal
    private let services: ChatServices
    private let clock: @Sendable () -> Double
    private let mailbox = Mailbox()
    private let control = GenerationControl()
    private let pictures: PictureWork
    private let jobs: AsyncStream<EngineJob>.Continuation
    private let worker: Task<Void, Never>
    private var decoder = KeyDecoder()
    private var throttle: RenderThrottle
    private var historyWritable = true
    private var signalSources: [DispatchSourceSignal] = []
    private var exitSignal: Int32?

    /// How long quitting waits for the engine worker's last jobs (the save after a reply that
    /// was stopped or had just ended) before the process may exit without them.
    static let lastSaveWait: Double = 10

    /// Blocks until the worker has done the jobs left when the loop quit: the reply the user has
    /// already seen is saved only by the autosave after it, and the process exits once `run`
    /// returns. Bounded, so a stuck job cannot keep the program from quitting.
    private func waitForTheLastSave() {
        let done = DispatchSemaphore(value: 0)
        let worker = worker
        Task.detached {
            await worker.value
            done.signal()
        }
        _ = done.wait(timeout: .now() + Self.lastSaveWait)
    }

    /// Seconds on the monotonic clock.
    public static let monotonicSeconds: @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    public init(terminal: any Terminal, engine: InferenceEngine, codec: any PictureCodec, services: ChatServices, state: AppState,
                framesPerSecond: Double = 60, clock: @escaping @Sendable () -> Double = ChatLoop.monotonicSeconds) {
        self.terminal = terminal
        self.services = services
        self.state = state
        self.clock = clock
        self.throttle = RenderThrottle(framesPerSecond: framesPerSecond)
        pictures = PictureWork(codec: codec, mailbox: mailbox)
        let (stream, continuation) = AsyncStream<EngineJob>.makeStream()
        jobs = continuation
        let worker = EngineWorker(engine: engine, options: state.options, storage: services.storage, loadModel: services.loadModel,
                                  pictures: pictures, mailbox: mailbox, control: control, clock: clock)
        self.worker = Task.detached { await worker.run(stream) }
    }

    /// Runs until the user quits or a termination signal arrives; restores the terminal on the
    /// way out. Returns the exit status (128 + the signal's number after a signal). `events` are
    /// handled first (a resumed conversation).
    public func run(handleSignals: Bool = true, startingWith events: [AppEvent] = []) -> Int32 {
        if handleSignals { installSignalHandlers() }
        defer {
            control.cancelAll()
            jobs.finish()
            for source in signalSources { source.cancel() }
            terminal.restore()
            waitForTheLastSave()
        }
        state.size = terminal.size
        process(events)
        terminal.draw(view(state))
        while state.isRunning {
            let now = clock()
            let wait: Int
            if decoder.isWaitingAfterEscape {
                wait = 25
            } else if let due = throttle.millisecondsUntilDue(at: now) {
                wait = due
            } else {
                wait = state.isGenerating || state.hint != nil ? 16 : 100
            }
            var events: [AppEvent] = []
            switch terminal.readInput(timeoutMilliseconds: wait) {
            case .bytes(let bytes):
                let time = clock()
                events += decoder.decode(bytes).map { .key($0, at: time) }
            case .resized(let size):
                events.append(.resize(size))
            case .timedOut:
                if decoder.isWaitingAfterEscape {
                    let time = clock()
                    events += decoder.flushPending().map { .key($0, at: time) }
                }
            }
            events += mailbox.drain()
            process(events)
            if throttle.shouldRender(at: clock()) { terminal.draw(view(state)) }
        }
        if let exitSignal { return 128 + exitSignal }
        return 0
    }

    /// Runs `events` through `update` and carries out the effects.
    func process(_ events: [AppEvent]) {
        let hintBefore = state.hint
        for event in events {
            if case .terminationSignal(let number) = event { exitSignal = number }
            let effects = update(&state, event)
            throttle.markDirty()
            for effect in effects { perform(effect) }
            if !state.isRunning { return }
        }
        _ = update(&state, .tick(clock()))
        if state.hint != hintBefore { throttle.markDirty() }
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .send(let message):
            jobs.yield(.send(message, id: control.nextSendID()))
        case .retry(let message):
            jobs.yield(.undoLastExchange)
            jobs.yield(.send(message, id: control.nextSendID()))
        case .stopReply:
            control.stopNewest()
        case .undoLastExchange:
            jobs.yield(.undoLastExchange)
        case .newConversation:
            jobs.yield(.reset)
        case .applyOptions(let options):
            jobs.yield(.options(options))
        case .loadModel(let path):
            jobs.yield(.loadModel(path: path))
        case .previewPicture(let number, let codes, let total):
            pictures.preview(number: number, codes: codes, total: total)
        case .decodePicture(let number, let codes):
            pictures.decode(number: number, codes: codes)
        case .savePicture(let number, let image, let path):
            let write = services.writePicture, mailbox = mailbox
            Task.detached {
                do {
                    try write(image, path)
                    mailbox.post(.notice("Saved picture \(number) to \(path)."))
                } catch {
                    mailbox.post(.failure("picture \(number) not saved: \(error)"))
                }
            }
        case .attachPicture(let path):
            let read = services.readPicture, encode = pictures.encoder, mailbox = mailbox
            Task.detached {
                do {
                    let image = try read((path as NSString).expandingTildeInPath)
                    let codes = try encode(image)
                    let name = (path as NSString).lastPathComponent
                    mailbox.post(.attachmentReady(Attachment(name: name, image: image, codes: codes)))
                } catch {
                    mailbox.post(.failure("cannot attach \(path): \(error)"))
                }
            }
        case .readTextFile(let path):
            let mailbox = mailbox
            Task.detached {
                do {
                    let text = try TextFileReader.read(path: (path as NSString).expandingTildeInPath)
                    mailbox.post(.textFileRead(name: (path as NSString).lastPathComponent, text: text))
                } catch {
                    mailbox.post(.failure("cannot read: \(error)"))
                }
            }
        case .loadTheme(let name):
            do {
                mailbox.post(.themeLoaded(try services.themes.load(name)))
            } catch {
                mailbox.post(.failure("\(error)"))
            }
        case .recordHistory(let text):
            guard historyWritable, let history = services.history else { return }
            do {
                try history.append(text)
            } catch {
                historyWritable = false
                mailbox.post(.failure("input history is not being saved: \(error)"))
            }
        case .saveConversation(let path):
            jobs.yield(.save(path: path))
        case .loadConversation(let reference):
            jobs.yield(.load(reference))
        case .exportConversation(let format, let path):
            jobs.yield(.export(format: format, path: path))
        case .completePath(let prefix):
            mailbox.post(.pathCompletions(prefix: prefix, candidates: PathCompletion.candidates(for: prefix)))
        case .copyToClipboard(let text):
            terminal.copyToClipboard(text)
        case .editExternally(let text):
            var outcome: Result<String, any Error> = .failure(CancellationError())
            terminal.handOver { outcome = Result { try services.editText(text) } }
            switch outcome {
            case .success(let edited): mailbox.post(.editedExternally(edited))
            case .failure(let error): mailbox.post(.editorFailed(String(describing: error)))
            }
        case .redrawAll:
            terminal.invalidate()
        case .quit:
            break
        }
    }

    private func installSignalHandlers() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let mailbox = mailbox
            source.setEventHandler { mailbox.post(.terminationSignal(number)) }
            source.resume()
            signalSources.append(source)
        }
    }
}

/// A change to the conversation, done by the engine worker in order.
enum EngineJob: Sendable {
    case send(ChatMessage, id: Int)
    case undoLastExchange
    case reset
    case options(GenerationOptions)
    case loadModel(path: String)
    case save(path: String?)
    case load(String)
    case export(format: String, path: String)
}

/// Owns the engine on behalf of the loop and does its jobs one after another.
struct EngineWorker: Sendable {
    var engine: InferenceEngine
    var options: GenerationOptions
    let storage: ConversationStorage?
    let loadModel: ModelLoader
    let pictures: PictureWork
    let mailbox: Mailbox
    let control: GenerationControl
    let clock: @Sendable () -> Double
    /// Whether the last autosave failed (so the next failure is not reported again).
    var autosaveFailing = false

    func run(_ jobs: AsyncStream<EngineJob>) async {
        var worker = self
        // The engine may start with a conversation in it (a resumed session).
        mailbox.post(.contextUsage(used: await engine.contextUsage.used))
        for await job in jobs { await worker.perform(job) }
    }

    private mutating func perform(_ job: EngineJob) async {
        switch job {
        case .send(let message, let id):
            await autosave(pending: message)
            await reply(to: message, id: id)
            await autosave()
        case .undoLastExchange:
            let messages = await engine.messages
            guard let lastUser = messages.lastIndex(where: { $0.role == .user }) else { return }
            await engine.dropLast(messages.count - lastUser)
            mailbox.post(.contextUsage(used: await engine.contextUsage.used))
            await autosave()
        case .reset:
            await engine.reset()
            mailbox.post(.contextUsage(used: await engine.contextUsage.used))
            if let problem = await storage?.startNew(engine, pictures.codec) { mailbox.post(.failure(problem)) }
        case .options(let newOptions):
            options = newOptions
            await engine.setOptions(newOptions)
            await autosave()
        case .loadModel(let path):
            let directory = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            let options = options, loadModel = loadModel, mailbox = mailbox
            do {
                let loaded = try await Task.detached {
                    try loadModel(directory, options) { mailbox.post(.modelLoading(path: path, loaded: $0, total: $1)) }
                }.value
                engine = loaded.engine
                pictures.replaceCodec(loaded.codec)
                mailbox.post(.modelLoaded(loaded.info, pictureLimitation: loaded.codec.limitation))
                if let problem = await storage?.startNew(loaded.engine, loaded.codec) { mailbox.post(.failure(problem)) }
            } catch {
                mailbox.post(.failure("cannot load the model at \(path): \(error)"))
            }
        case .save(let path):
            guard let storage else { return unavailable() }
            do {
                mailbox.post(.notice(try await storage.save(engine, path)))
            } catch {
                mailbox.post(.failure("not saved: \(error)"))
            }
        case .load(let reference):
            guard let storage else { return unavailable() }
            do {
                let conversation = try await storage.load(engine, reference)
                options = conversation.options
                mailbox.post(.conversationLoaded(conversation))
                mailbox.post(.contextUsage(used: await engine.contextUsage.used))
            } catch {
                mailbox.post(.failure("cannot load \(reference): \(error)"))
            }
        case .export(let format, let path):
            guard let storage else { return unavailable() }
            do {
                mailbox.post(.notice(try await storage.export(engine, format, path)))
            } catch {
                mailbox.post(.failure("not exported: \(error)"))
            }
        }
    }

    private func unavailable() {
        mailbox.post(.failure("saving and loading conversations is not available here"))
    }

    /// Saves the conversation after a change (and a message before its reply). A failure is
    /// reported once (not again until a save has worked); the chat goes on.
    private mutating func autosave(pending: ChatMessage? = nil) async {
        guard let storage else { return }
        if let problem = await storage.autosave(engine, pending) {
            if !autosaveFailing { mailbox.post(.failure("conversation not saved: \(problem)")) }
            autosaveFailing = true
        } else {
            autosaveFailing = false
        }
    }

    /// Streams one reply into the mailbox, then reports how it ended.
    private func reply(to message: ChatMessage, id: Int) async {
        let engine = engine, mailbox = mailbox, clock = clock
        let result = Locked<(stats: GenerationStats?, error: String?)>((nil, nil))
        let consumer = Task {
            do {
                for try await event in engine.respond(to: message) {
                    if case .finished(let stats) = event { result.withLock { $0.stats = stats } }
                    mailbox.post(.generation(event, at: clock()))
                }
            } catch {
                result.withLock { $0.error = "\(error)" }
            }
        }
        control.started(id: id, task: consumer)
        await consumer.value
        control.finished(id: id)

        // A stopped stream ends before the engine has closed the turn; wait for it. The engine
        // ends a turn it took with the user's message and the reply (old exchanges may have been
        // dropped before them to make room); a message it refused throws and adds nothing.
        let (stats, error) = result.withLock { $0 }
        func tookTheTurn(_ messages: [ChatMessage]) -> Bool {
            messages.count >= 2 && messages[messages.count - 2] == message && messages[messages.count - 1].role == .assistant
        }
        var messages = await engine.messages
        var waited = 0
        while error == nil && !tookTheTurn(messages) && waited < 500 {
            try? await Task.sleep(nanoseconds: 10_000_000)
            messages = await engine.messages
            waited += 1
        }
        let accepted = error == nil && tookTheTurn(messages)
        let reply = accepted ? messages.last : nil
        // Without stats (a stopped stream loses its last event), `update` takes the stop request
        // as the reason.
        mailbox.post(.replyEnded(ReplyOutcome(message: reply, userMessageAccepted: accepted, stats: stats,
                                              error: error, contextUsed: await engine.contextUsage.used)))
    }
}
