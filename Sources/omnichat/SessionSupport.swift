import ArgumentParser
import ChatEngine
import Foundation
import Sessions
import VQGAN

/// The chat command's session flags. Add `@OptionGroup var sessionOptions: SessionOptions` to
/// the chat command and call `ChatSession.start(_:engine:renderer:)` once the engine is loaded.
struct SessionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Resume a saved session: its id (or the start of it), latest, or its directory. A bare --resume means latest.", valueName: "ID|latest"))
    var resume: String?
    @Flag(name: .long, help: "Resume a session made with a model whose tokenizer differs, re-encoding its text (not exact).")
    var allowModelMismatch = false
    @Flag(name: .long, help: "Do not save this chat (sessions are saved after every message by default).")
    var noAutosave = false

    /// `--resume` with no value means `latest`. ArgumentParser has no options with an optional
    /// value, so call this on the raw arguments before parsing:
    /// `Omnichat.main(SessionOptions.normalizingBareResume(Array(CommandLine.arguments.dropFirst())))`.
    static func normalizingBareResume(_ arguments: [String]) -> [String] {
        var result: [String] = []
        for (index, argument) in arguments.enumerated() {
            result.append(argument)
            if argument == "--" { return result + arguments[(index + 1)...] }
            let next = index + 1 < arguments.count ? arguments[index + 1] : nil
            if argument == "--resume", next == nil || next!.hasPrefix("-") { result.append("latest") }
        }
        return result
    }
}

/// The session side of a running chat: the autosave writer and, when resuming, the restored
/// session. Everything here fails soft for autosave (the chat goes on; the UI shows the error)
/// and hard for an explicit resume or load (the user asked for that session).
struct ChatSession {
    /// Saves the chat; nil with `--no-autosave`.
    var writer: SessionWriter?
    /// The session restored into the engine, if any (its `messages` are the transcript, with
    /// `history[i].inContext` telling which turns the model still sees).
    var resumed: ResumedSession?

    /// Resumes `options.resume` into `engine` when given, and sets up autosave.
    static func start(_ options: SessionOptions, engine: InferenceEngine, renderer: PictureRenderer?,
                      store: SessionStore = .standard()) async throws -> ChatSession {
        let model = try ModelIdentity(checkpoint: engine.checkpoint)
        guard let reference = options.resume else {
            return ChatSession(writer: options.noAutosave ? nil : SessionWriter(store: store, model: model, renderer: renderer), resumed: nil)
        }
        return try await load(reference, engine: engine, model: model, renderer: renderer, store: store,
                              allowModelMismatch: options.allowModelMismatch, autosave: !options.noAutosave)
    }

    /// `/load REF`: restores another session into the engine and continues saving there. The
    /// current writer must be closed first (`await writer.close()`) when it is the same session.
    static func load(_ reference: String, engine: InferenceEngine, model: ModelIdentity, renderer: PictureRenderer?,
                     store: SessionStore = .standard(), allowModelMismatch: Bool, autosave: Bool) async throws -> ChatSession {
        let stored = try store.load(reference)
        guard autosave else {
            return ChatSession(writer: nil, resumed: try await stored.resume(into: engine, model: model,
                                                                             allowModelMismatch: allowModelMismatch))
        }
        // The lock first: a session in use elsewhere fails the load before the engine changes.
        let (resumed, writer) = try await stored.resumeForWriting(into: engine, model: model, allowModelMismatch: allowModelMismatch,
                                                                  store: store, renderer: renderer)
        return ChatSession(writer: writer, resumed: resumed)
    }
}

/// Pictures for sessions (PNG files, exports) drawn by the VQGAN of the model in `directory`;
/// a picture it cannot decode is saved as codes only.
func vqganPictureRenderer(directory: URL) throws -> PictureRenderer {
    vqganPictureRenderer(try loadVQGAN(directory: directory))
}

/// Pictures drawn by `vqgan` (the chat passes the one it already holds).
func vqganPictureRenderer(_ vqgan: VQGAN) -> PictureRenderer {
    { codes in try? vqgan.decodePicture(codes: codes) }
}
