import ChameleonModel
import ChatEngine

/// One turn of a conversation read back from storage.
public struct StoredTurn: Sendable, Equatable {
    public var message: ChatMessage
    /// False for a turn the model no longer sees (dropped when the context filled).
    public var inContext: Bool
    public init(message: ChatMessage, inContext: Bool) {
        self.message = message
        self.inContext = inContext
    }
}

/// A conversation restored into the engine (`/load`, `--resume`), for the transcript.
public struct LoadedConversation: Sendable, Equatable {
    /// Where it came from, as the user should see it.
    public var name: String
    public var turns: [StoredTurn]
    /// The settings restored with it.
    public var options: GenerationOptions
    /// Things the user should know (another model made it, turns that no longer fit…).
    public var warnings: [String]

    public init(name: String, turns: [StoredTurn], options: GenerationOptions, warnings: [String]) {
        self.name = name
        self.turns = turns
        self.options = options
        self.warnings = warnings
    }
}

/// Saving and loading conversations: provided by the app (the Sessions module), called by the
/// run loop's engine worker between replies, so a save never races a reply. Each returns a
/// problem to show or throws one; none of them touches the terminal.
public struct ConversationStorage: Sendable {
    /// Saves the conversation as the engine holds it, plus `pending` (a message about to be
    /// answered, so it survives a crash during the reply). Returns a problem, or nil.
    public var autosave: @Sendable (_ engine: InferenceEngine, _ pending: ChatMessage?) async -> String?
    /// `/save [PATH]`: saves now, or a copy at PATH; returns a line saying where.
    public var save: @Sendable (_ engine: InferenceEngine, _ path: String?) async throws -> String
    /// `/load REF`: restores a conversation into the engine.
    public var load: @Sendable (_ engine: InferenceEngine, _ reference: String) async throws -> LoadedConversation
    /// `/export md|html PATH`: returns a line saying what was written.
    public var export: @Sendable (_ engine: InferenceEngine, _ format: String, _ path: String) async throws -> String
    /// The engine was replaced (`/model`, with its picture codec) or emptied (`/new`): later
    /// saves go to a new session.
    public var startNew: @Sendable (_ engine: InferenceEngine, _ codec: any PictureCodec) async -> String?

    public init(autosave: @escaping @Sendable (InferenceEngine, ChatMessage?) async -> String?,
                save: @escaping @Sendable (InferenceEngine, String?) async throws -> String,
                load: @escaping @Sendable (InferenceEngine, String) async throws -> LoadedConversation,
                export: @escaping @Sendable (InferenceEngine, String, String) async throws -> String,
                startNew: @escaping @Sendable (InferenceEngine, any PictureCodec) async -> String?) {
        self.autosave = autosave
        self.save = save
        self.load = load
        self.export = export
        self.startNew = startNew
    }
}
