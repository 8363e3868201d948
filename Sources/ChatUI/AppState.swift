import ChameleonModel
import ChatEngine
import HalfBlockRendering
import Imaging

/// The model the chat talks to, as the status line shows it.
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    public var contextLength: Int
    public init(name: String, contextLength: Int) {
        self.name = name
        self.contextLength = contextLength
    }
}

/// A picture in the conversation, generated or attached, and how far it has got.
public struct PictureState: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// Codes are arriving.
        case drawing
        /// All codes are in; the full decode is running.
        case decoding
        /// Shown as decoded (or as attached).
        case done
        /// The reply was stopped before the picture was complete; it is not in the conversation.
        case stopped
        /// Decoding failed; the message says why.
        case failed(String)
    }

    /// The number shown in its caption and used by `/image N save`.
    public let number: Int
    /// A name shown in the caption (an attached file's name).
    public var title: String?
    public var codes: [Int]
    public var total: Int
    public var phase: Phase
    /// The latest pixels: a preview while drawing, then the decoded picture.
    public var image: RGBImage?
    /// How many codes `image` shows.
    public var imageCodes: Int = 0
    /// When the first code arrived and the latest one, for the time-left estimate.
    public var startedAt: Double
    public var lastCodeAt: Double
    /// `image` as half blocks at the width the transcript gives it now.
    public var cells: CellGrid?

    public init(number: Int, total: Int, startedAt: Double) {
        self.number = number
        self.codes = []
        self.total = total
        self.phase = .drawing
        self.startedAt = startedAt
        self.lastCodeAt = startedAt
    }

    /// Seconds until the last code, from the rate so far; nil before there is a rate.
    public var secondsLeft: Double? {
        guard phase == .drawing, codes.count >= 2, lastCodeAt > startedAt else { return nil }
        let rate = Double(codes.count) / (lastCodeAt - startedAt)
        return Double(total - codes.count) / rate
    }
}

/// One piece of an assistant turn.
public enum AssistantPart: Sendable, Equatable {
    case text(String)
    /// A picture, by number.
    case picture(Int)
}

/// A message the user sent.
public struct UserTurn: Sendable, Equatable {
    public var text: String
    /// Numbers of the pictures attached to it.
    public var pictures: [Int]
    /// False when the model refused the message (it never entered the conversation).
    public var inConversation: Bool = true
}

/// A reply of the model.
public struct AssistantTurn: Sendable, Equatable {
    public enum Status: Sendable, Equatable { case streaming, finished, stopped, failed }
    public var parts: [AssistantPart] = []
    public var status: Status = .streaming

    /// The turn's text, pictures left out.
    public var text: String {
        parts.compactMap { if case .text(let piece) = $0 { piece } else { nil } }.joined()
    }
}

/// One block of the transcript.
public enum TranscriptEntry: Sendable, Equatable {
    case user(UserTurn)
    case assistant(AssistantTurn)
    /// Something the chat tells the user (help, a dropped context, a saved file).
    case notice(String)
    case error(String)
}

/// A picture chosen with `/attach`, waiting for the next message.
public struct Attachment: Sendable, Equatable {
    public var name: String
    public var image: RGBImage
    public var codes: [Int]
    public init(name: String, image: RGBImage, codes: [Int]) {
        self.name = name
        self.image = image
        self.codes = codes
    }
}

/// What the transcript shows: the newest lines (following the reply as it grows), or a fixed
/// line from the top, which new text below does not move.
public enum ScrollPosition: Sendable, Equatable {
    case following
    case line(Int)
}

/// A short message in the input area that goes away after a while or at the next key.
public struct Hint: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case info, warning }
    public var text: String
    public var kind: Kind
    public var expiresAt: Double
}

/// Everything the chat shows and knows, as a value: `update` changes it, `view` draws it.
public struct AppState: Sendable, Equatable {
    // MARK: Surroundings
    public var size: TerminalSize
    public var styles: StyleSheet
    public var theme: Theme
    /// Themes `/theme` can switch to.
    public var themeNames: [String] = []
    public var model: ModelInfo
    public var contextUsed: Int = 0
    public var options: GenerationOptions
    /// The picture codec's limitation, shown under pictures.
    public var pictureLimitation: String?
    /// Seconds on the monotonic clock, from the latest event that carried the time.
    public var now: Double = 0

    // MARK: Conversation
    public var transcript: [TranscriptEntry] = []
    public var pictures: [Int: PictureState] = [:]
    public var nextPictureNumber = 1
    /// True from sending a message until the reply has ended.
    public var isGenerating = false
    /// True once Esc or Ctrl+C asked the reply to stop.
    public var stopRequested = false
    /// The picture whose codes are arriving.
    public var currentPicture: Int?
    public var lastStats: GenerationStats?

    // MARK: Input
    public var input = InputEditor()
    public var history: InputHistory
    public var attachment: Attachment?
    /// The attachment's small preview.
    public var attachmentCells: CellGrid?
    /// Set after Ctrl+C on an empty prompt: a second one quits.
    public var quitArmed = false
    /// Completions offered by the last Tab, for cycling.
    public var completions: [String] = []
    /// The Ctrl+R search in progress.
    public var historySearch: HistorySearch?

    // MARK: View
    public var scroll: ScrollPosition = .following
    public var hint: Hint?
    public var isRunning = true

    public init(size: TerminalSize, theme: Theme, colorMode: ColorMode, model: ModelInfo,
                options: GenerationOptions = GenerationOptions(), history: [String] = [], pictureLimitation: String? = nil) {
        self.size = size
        self.theme = theme
        self.styles = StyleSheet(theme: theme, colorMode: colorMode)
        self.model = model
        self.options = options
        self.history = InputHistory(entries: history)
        self.pictureLimitation = pictureLimitation
    }

    public var colorMode: ColorMode { styles.colorMode }
}
