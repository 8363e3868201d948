import Foundation
import Imaging
#if canImport(Glibc)
import Glibc
#endif

/// Asks the terminal, before curses takes it, what the chat adapts to: its background colour
/// (OSC 11), so the chat can open with the theme that suits it, and whether it speaks the kitty
/// keyboard protocol (`CSI ? u`), under which Shift+Enter is told apart from Enter.
///
/// The queries are followed by a primary device attributes request (DA1), which every terminal
/// answers: a terminal that ignores the others answers only DA1, and the probe ends there instead
/// of waiting. It runs with a short time limit and puts the terminal's settings back however it
/// ends.
public enum TerminalProbe {
    /// The bytes sent: the OSC 11 query (when the background is asked for), the kitty keyboard
    /// query, then DA1.
    static func query(askingBackground: Bool) -> String {
        (askingBackground ? "\u{1B}]11;?\u{1B}\\" : "") + "\u{1B}[?u\u{1B}[c"
    }

    /// What a probe learned.
    public struct Result: Sendable, Equatable {
        /// The background colour the terminal reported; nil when it reported none in time (or
        /// was not asked).
        public var background: RGB?
        /// Whether the terminal answered the kitty keyboard query (kitty, foot, WezTerm, Ghostty
        /// and others), so `NcursesTerminal` can switch the protocol on.
        public var kittyKeyboard: Bool
        /// The bytes read that are not the terminal's replies: keys typed while the probe
        /// waited, which belong to the chat and are read before anything else.
        public var typedAhead: [UInt8]

        public init(background: RGB?, kittyKeyboard: Bool = false, typedAhead: [UInt8]) {
            self.background = background
            self.kittyKeyboard = kittyKeyboard
            self.typedAhead = typedAhead
        }
    }

    /// Asks the terminal on `input`/`output` and waits up to `timeoutMilliseconds` for the
    /// answers. Nothing learned and nothing typed when these are not terminals.
    public static func run(askingBackground: Bool = true, input: Int32 = FileHandle.standardInput.fileDescriptor,
                           output: Int32 = FileHandle.standardOutput.fileDescriptor,
                           timeoutMilliseconds: Int = 250) -> Result {
        let nothing = Result(background: nil, typedAhead: [])
        guard isatty(input) == 1, isatty(output) == 1 else { return nothing }
        var saved = termios()
        guard tcgetattr(input, &saved) == 0 else { return nothing }
        defer { tcsetattr(input, TCSANOW, &saved) }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        raw.c_iflag &= ~tcflag_t(ICRNL)  // Enter stays CR, as under curses' nonl()
        guard tcsetattr(input, TCSANOW, &raw) == 0 else { return nothing }
        let typedBefore = TypedAhead.enterRestored(TypedAhead.read(input),
                                                   mappedByLineDiscipline: saved.c_iflag & tcflag_t(ICRNL) != 0)
        let bytes = Array(query(askingBackground: askingBackground).utf8)
        guard bytes.withUnsafeBytes({ write(output, $0.baseAddress, $0.count) }) == bytes.count else {
            return Result(background: nil, typedAhead: typedBefore)
        }

        var received: [UInt8] = []
        var replies = TerminalReplies(received)
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while !replies.endsWithDeviceAttributes {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard left > 0 else { break }
            let chunk = TypedAhead.readChunk(input, waitingMilliseconds: left)
            guard !chunk.isEmpty else { break }
            received += chunk
            replies = TerminalReplies(received)
            if received.count > 4096 { break }
        }
        return Result(background: askingBackground ? background(in: replies) : nil,
                      kittyKeyboard: replies.answersKittyKeyboardQuery, typedAhead: typedBefore + replies.typed)
    }

    /// The colour in an OSC 11 reply (`ESC ] 11 ; rgb:RRRR/GGGG/BBBB` ended by BEL or ST; 1 to 4
    /// hex digits per channel), anywhere in `bytes`.
    public static func parseBackground(_ bytes: [UInt8]) -> RGB? {
        background(in: TerminalReplies(bytes))
    }

    /// The colour of the first OSC 11 reply among `replies` (one cut off by the time limit counts
    /// if its three channels arrived).
    static func background(in replies: TerminalReplies) -> RGB? {
        let prefix = Array("11;rgb:".utf8)
        guard let reply = replies.replies.first(where: { $0.kind == .osc && $0.body.starts(with: prefix) }) else { return nil }
        let channels = String(decoding: reply.body.dropFirst(prefix.count), as: UTF8.self)
            .split(separator: "/", omittingEmptySubsequences: false)
        guard channels.count == 3 else { return nil }
        var values: [UInt8] = []
        for channel in channels {
            guard (1 ... 4).contains(channel.count), let value = UInt32(channel, radix: 16) else { return nil }
            let maximum = Double((1 << (4 * channel.count)) - 1)
            values.append(UInt8((Double(value) / maximum * 255).rounded()))
        }
        return RGB(values[0], values[1], values[2])
    }

    /// Whether `colour` is a light background: relative luminance (sRGB, Rec. 709) above one half.
    public static func isLight(_ colour: RGB) -> Bool {
        func linear(_ channel: UInt8) -> Double {
            let c = Double(channel) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let luminance = 0.2126 * linear(colour.red) + 0.7152 * linear(colour.green) + 0.0722 * linear(colour.blue)
        return luminance > 0.5
    }
}
