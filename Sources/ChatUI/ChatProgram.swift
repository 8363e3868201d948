import ChameleonModel
import ChatEngine
import Foundation
import HalfBlockRendering

/// How the chat starts: everything decided before the terminal is taken over.
public struct ChatConfiguration: Sendable {
    /// The colours asked for (flag or environment); the terminal may offer fewer.
    public var preferredColorMode: ColorMode
    public var environment: [String: String]
    public var theme: Theme
    /// Themes `/theme` can switch to.
    public var themeNames: [String]
    public var model: ModelInfo
    public var options: GenerationOptions
    /// Earlier messages, oldest first, for Up and Down.
    public var history: [String]
    /// A conversation already restored into the engine (`--resume`), shown from the start.
    public var resumed: LoadedConversation?
    /// Bytes the user typed before the chat took the terminal (see `TerminalProbe.Result`),
    /// read as the first input.
    public var typedAhead: [UInt8] = []
    /// Whether the terminal answered the kitty keyboard query (`TerminalProbe.Result`): the chat
    /// then switches the protocol on, so Shift+Enter arrives as its own key.
    public var kittyKeyboard = false

    public init(preferredColorMode: ColorMode, environment: [String: String], theme: Theme, themeNames: [String],
                model: ModelInfo, options: GenerationOptions, history: [String], resumed: LoadedConversation? = nil) {
        self.resumed = resumed
        self.preferredColorMode = preferredColorMode
        self.environment = environment
        self.theme = theme
        self.themeNames = themeNames
        self.model = model
        self.options = options
        self.history = history
    }
}

/// Runs the chat in the real terminal.
///
/// The run loop blocks while it waits for keys, so it gets a thread of its own: run on one of
/// Swift's cooperative threads (as an async command's `run` is), it would take a thread the
/// model's reply and the stream that carries it need; on a two-core machine that stalls the
/// stream until the reply is over.
public enum ChatProgram {
    /// Takes over the terminal, chats until the user quits, gives the terminal back; returns the
    /// exit status (0, or 128 + a signal's number). Throws `TerminalError` when there is no
    /// usable terminal.
    public static func run(engine: InferenceEngine, codec: any PictureCodec, services: ChatServices,
                           configuration: ChatConfiguration) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    let terminal = try NcursesTerminal(preferredColorMode: configuration.preferredColorMode,
                                                       environment: configuration.environment,
                                                       typedAhead: configuration.typedAhead,
                                                       kittyKeyboard: configuration.kittyKeyboard)
                    var state = AppState(size: terminal.size, theme: configuration.theme, colorMode: terminal.colorMode,
                                         model: configuration.model, options: configuration.options,
                                         history: configuration.history, pictureLimitation: codec.limitation)
                    state.themeNames = configuration.themeNames
                    let loop = ChatLoop(terminal: terminal, engine: engine, codec: codec, services: services, state: state)
                    continuation.resume(returning: loop.run(startingWith: configuration.resumed.map { [.conversationLoaded($0)] } ?? []))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "omnichat-ui"
            thread.start()
        }
    }
}
