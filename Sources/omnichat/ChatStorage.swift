import ChatEngine
import ChatUI
import Foundation
import Sessions

/// The chat's conversations in the Sessions store: autosave after every message and reply,
/// `/save`, `/load`, `/export`, and a new session when the conversation or the model changes.
/// One actor keeps the current session (`ChatSession`: its writer, and what was resumed).
actor ChatSessionKeeper {
    let store: SessionStore
    let options: SessionOptions
    private var session: ChatSession
    private var model: ModelIdentity
    private var renderer: PictureRenderer?

    /// Starts the chat's session: resumes `options.resume` into `engine` when given (throwing a
    /// clear error when it cannot), else opens a new session for autosave. Also returns the
    /// resumed conversation for the transcript.
    static func start(_ options: SessionOptions, engine: InferenceEngine, codec: any PictureCodec,
                      store: SessionStore = .standard()) async throws -> (ChatSessionKeeper, LoadedConversation?) {
        let renderer = sessionRenderer(codec)
        let session = try await ChatSession.start(options, engine: engine, renderer: renderer, store: store)
        let keeper = ChatSessionKeeper(store: store, options: options, session: session,
                                       model: try ModelIdentity(checkpoint: engine.checkpoint), renderer: renderer)
        return (keeper, session.resumed.map(conversation))
    }

    private init(store: SessionStore, options: SessionOptions, session: ChatSession, model: ModelIdentity, renderer: PictureRenderer?) {
        self.store = store
        self.options = options
        self.session = session
        self.model = model
        self.renderer = renderer
    }

    /// Pictures for session files: the codec's decode, only when it draws the real picture.
    static func sessionRenderer(_ codec: any PictureCodec) -> PictureRenderer? {
        guard codec.limitation == nil else { return nil }
        return { codes in try? codec.decode(codes: codes) }
    }

    static func conversation(_ resumed: ResumedSession) -> LoadedConversation {
        LoadedConversation(name: "session \(resumed.session.id)",
                           turns: resumed.history.map { StoredTurn(message: $0.chatMessage, inContext: $0.inContext) },
                           options: resumed.sampling.generationOptions, warnings: resumed.warnings)
    }

    /// The closures the chat calls.
    nonisolated var storage: ConversationStorage {
        ConversationStorage(
            autosave: { engine, pending in await self.autosave(engine: engine, pending: pending) },
            save: { engine, path in try await self.save(engine: engine, path: path) },
            load: { engine, reference in try await self.load(engine: engine, reference: reference) },
            export: { engine, format, path in try await self.export(engine: engine, format: format, path: path) },
            startNew: { engine, codec in await self.startNew(engine: engine, codec: codec) })
    }

    func autosave(engine: InferenceEngine, pending: ChatMessage?) async -> String? {
        guard let writer = session.writer else { return nil }
        do {
            try await writer.save(engine.sessionSnapshot(pending: pending))
            return nil
        } catch {
            return "\(error)"
        }
    }

    func save(engine: InferenceEngine, path: String?) async throws -> String {
        let snapshot = await engine.sessionSnapshot()
        if let path {
            let directory = URL(fileURLWithPath: SessionStore.expandingTilde(path))
            let copy = try SessionWriter(newSessionAt: directory, model: model, renderer: renderer)
            let result = try await copy.save(snapshot)
            await copy.close()
            return "Saved a copy of the conversation (\(result.turns) turns) to \(copy.directory.path)."
        }
        if let writer = session.writer {
            try await writer.save(snapshot)
            return "Saved to \(writer.directory.path) (saved after every message and reply anyway)."
        }
        // Autosave was off: saving now means keeping this conversation from here on.
        let writer = SessionWriter(store: store, model: model, renderer: renderer)
        try await writer.save(snapshot)
        session.writer = writer
        return "Saved to \(writer.directory.path); later messages are saved there too."
    }

    func load(engine: InferenceEngine, reference: String) async throws -> LoadedConversation {
        let target = try store.resolve(reference).standardizedFileURL
        if let writer = session.writer, writer.directory.standardizedFileURL == target { await writer.close() }
        let loaded = try await ChatSession.load(reference, engine: engine, model: model, renderer: renderer, store: store,
                                                allowModelMismatch: options.allowModelMismatch, autosave: !options.noAutosave)
        if let previous = session.writer, previous.directory.standardizedFileURL != target { await previous.close() }
        session = loaded
        guard let resumed = loaded.resumed else { throw SessionError.notASession(path: target.path) }
        return Self.conversation(resumed)
    }

    func export(engine: InferenceEngine, format: String, path: String) async throws -> String {
        guard let exportFormat = ExportFormat(rawValue: format) else {
            throw SessionError.writeFailed(path: path, reason: "unknown format \(format) (md or html)")
        }
        let snapshot = await engine.sessionSnapshot()
        let stored: StoredSession
        var temporary: URL?
        if let writer = session.writer {
            try await writer.save(snapshot)
            stored = try StoredSession(directory: writer.directory)
        } else {
            // Not autosaved: export from a session written to a temporary directory.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnichat-export-\(UUID().uuidString)")
            let writer = try SessionWriter(newSessionAt: directory, model: model, renderer: renderer)
            try await writer.save(snapshot)
            await writer.close()
            stored = try StoredSession(directory: directory)
            temporary = directory
        }
        defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }
        let result = try SessionExporter(session: stored, renderer: renderer)
            .export(exportFormat, to: SessionStore.expandingTilde(path), force: false)
        let undrawn = result.picturesNotDrawn > 0 ? " (\(result.picturesNotDrawn) pictures could not be drawn)" : ""
        return "Exported to \(result.paths.joined(separator: ", "))\(undrawn)."
    }

    func startNew(engine: InferenceEngine, codec: any PictureCodec) async -> String? {
        if let writer = session.writer { await writer.close() }
        renderer = Self.sessionRenderer(codec)
        do {
            model = try ModelIdentity(checkpoint: engine.checkpoint)
        } catch {
            session = ChatSession(writer: nil, resumed: nil)
            return "conversations are not saved: \(error)"
        }
        session = ChatSession(writer: options.noAutosave ? nil : SessionWriter(store: store, model: model, renderer: renderer), resumed: nil)
        return nil
    }
}
