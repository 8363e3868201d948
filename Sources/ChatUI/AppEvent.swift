import ChameleonModel
import ChatEngine
import Imaging

/// How a reply ended, as the run loop reports it once the engine is done with it.
public struct ReplyOutcome: Sendable, Equatable {
    /// The reply as the engine keeps it in the conversation (nil when there is none).
    public var message: ChatMessage?
    /// Whether the user's message entered the conversation.
    public var userMessageAccepted: Bool
    public var stats: GenerationStats?
    /// Why the reply failed, if it did.
    public var error: String?
    public var contextUsed: Int

    public init(message: ChatMessage?, userMessageAccepted: Bool, stats: GenerationStats?, error: String?, contextUsed: Int) {
        self.message = message
        self.userMessageAccepted = userMessageAccepted
        self.stats = stats
        self.error = error
        self.contextUsed = contextUsed
    }
}

/// Everything that can happen to the chat. Events that depend on time carry it (seconds on a
/// monotonic clock), so `update` stays a pure function.
public enum AppEvent: Sendable, Equatable {
    case key(Key, at: Double)
    case resize(TerminalSize)
    /// The clock moved (hints expire).
    case tick(Double)
    /// A reply stream event.
    case generation(GenerationEvent, at: Double)
    case replyEnded(ReplyOutcome)
    case picturePreview(number: Int, image: RGBImage, codes: Int)
    case pictureDecoded(number: Int, image: RGBImage)
    case pictureFailed(number: Int, reason: String)
    case attachmentReady(Attachment)
    /// `/read`: the file's text, for the message being typed.
    case textFileRead(name: String, text: String)
    case themeLoaded(Theme)
    /// How far `/model` has got loading the weights at `path` (parts loaded of all).
    case modelLoading(path: String, loaded: Int, total: Int)
    case modelLoaded(ModelInfo, pictureLimitation: String?)
    case contextUsage(used: Int)
    case pathCompletions(prefix: String, candidates: [String])
    /// The message came back from the external editor.
    case editedExternally(String)
    case editorFailed(String)
    /// A saved conversation was restored into the engine (`/load`, `--resume`).
    case conversationLoaded(LoadedConversation)
    /// A line to show in the transcript, from the run loop (a saved file, a failed write).
    case notice(String)
    case failure(String)
    /// SIGINT, SIGTERM or SIGHUP.
    case terminationSignal(Int32)
}

/// What `update` asks the run loop to do: the only way the pure core reaches the world.
public enum Effect: Sendable, Equatable {
    /// Send a message and stream the reply.
    case send(ChatMessage)
    /// Stop the reply in progress.
    case stopReply
    /// Drop the last user message and everything after it from the conversation.
    case undoLastExchange
    /// Drop the last exchange, then send `message` again.
    case retry(ChatMessage)
    case newConversation
    case applyOptions(GenerationOptions)
    case loadModel(path: String)
    case previewPicture(number: Int, codes: [Int], total: Int)
    case decodePicture(number: Int, codes: [Int])
    case savePicture(number: Int, image: RGBImage, path: String)
    case attachPicture(path: String)
    case readTextFile(path: String)
    case loadTheme(String)
    case recordHistory(String)
    /// `/save [PATH]`, `/load REF`, `/export FORMAT PATH`.
    case saveConversation(path: String?)
    case loadConversation(String)
    case exportConversation(format: String, path: String)
    case completePath(String)
    /// Put `text` on the system clipboard (OSC 52).
    case copyToClipboard(String)
    /// Ctrl+G: edit `text` in the user's editor.
    case editExternally(String)
    case redrawAll
    case quit
}
