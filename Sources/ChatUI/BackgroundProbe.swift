import Foundation
import Imaging
#if canImport(Glibc)
import Glibc
#endif

/// Asks the terminal for its background colour (OSC 11), so the chat can open with the theme that
/// suits it: light on a light terminal, dark on a dark one.
///
/// The query is followed by a primary device attributes request (DA1), which every terminal
/// answers: a terminal that ignores OSC 11 answers only DA1, and the probe ends there instead of
/// waiting. It runs before curses takes the terminal, with a short time limit, and puts the
/// terminal's settings back however it ends.
public enum BackgroundProbe {
    /// The bytes sent: OSC 11 query, then DA1.
    static let query = "\u{1B}]11;?\u{1B}\\\u{1B}[c"

    /// What a probe learned.
    public struct Result: Sendable, Equatable {
        /// The background colour the terminal reported; nil when it reported none in time.
        public var background: RGB?
        /// The bytes read that are not the terminal's replies: keys typed while the probe
        /// waited, which belong to the chat and are read before anything else.
        public var typedAhead: [UInt8]

        public init(background: RGB?, typedAhead: [UInt8]) {
            self.background = background
            self.typedAhead = typedAhead
        }
    }

    /// Asks the terminal on `input`/`output` for its background colour and waits up to
    /// `timeoutMilliseconds` for the answer. No colour and nothing typed when these are not
    /// terminals.
    public static func run(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO,
                           timeoutMilliseconds: Int = 250) -> Result {
        let nothing = Result(background: nil, typedAhead: [])
        guard isatty(input) == 1, isatty(output) == 1 else { return nothing }
        var saved = termios()
        guard tcgetattr(input, &saved) == 0 else { return nothing }
        defer { tcsetattr(input, TCSANOW, &saved) }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        guard tcsetattr(input, TCSANOW, &raw) == 0 else { return nothing }
        let bytes = Array(query.utf8)
        guard bytes.withUnsafeBytes({ write(output, $0.baseAddress, $0.count) }) == bytes.count else { return nothing }

        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        while !answerIsComplete(received) {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&descriptor, 1, left) > 0 else { break }
            var chunk = [UInt8](repeating: 0, count: 256)
            let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            received += chunk.prefix(count)
            if received.count > 4096 { break }
        }
        return Result(background: parseBackground(received), typedAhead: withoutReplies(received))
    }

    /// `bytes` without the terminal's replies to the query: OSC strings (`ESC ]` to BEL or ST)
    /// and private-parameter CSI reports such as DA1 (`ESC [ ?` to the final byte), whole or cut
    /// off at the end. What is left was typed by the user: a key never sends either form.
    static func withoutReplies(_ bytes: [UInt8]) -> [UInt8] {
        let escape: UInt8 = 0x1B, bell: UInt8 = 0x07
        var kept: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let next = index + 1 < bytes.count ? bytes[index + 1] : nil
            let third = index + 2 < bytes.count ? bytes[index + 2] : nil
            if bytes[index] == escape, next == UInt8(ascii: "]") {
                // OSC: up to BEL, or ST (ESC \).
                var end = index + 2
                while end < bytes.count, bytes[end] != bell, !(bytes[end] == escape && end + 1 < bytes.count && bytes[end + 1] == UInt8(ascii: "\\")) {
                    end += 1
                }
                index = end < bytes.count && bytes[end] == escape ? end + 2 : end + 1
            } else if bytes[index] == escape, next == UInt8(ascii: "["), third == UInt8(ascii: "?") {
                // CSI ? parameters, ended by a final byte in 0x40...0x7E.
                var end = index + 3
                while end < bytes.count, !(0x40 ... 0x7E).contains(bytes[end]) { end += 1 }
                index = end + 1
            } else {
                kept.append(bytes[index])
                index += 1
            }
        }
        return kept
    }

    /// Whether `bytes` hold the DA1 answer (`ESC [ ? ... c`), which ends the terminal's replies.
    static func answerIsComplete(_ bytes: [UInt8]) -> Bool {
        guard let start = bytes.indices.first(where: { bytes[$0] == 0x1B && $0 + 2 < bytes.count && bytes[$0 + 1] == UInt8(ascii: "[") && bytes[$0 + 2] == UInt8(ascii: "?") })
        else { return false }
        return bytes[(start + 3)...].contains(UInt8(ascii: "c"))
    }

    /// The colour in an OSC 11 reply (`ESC ] 11 ; rgb:RRRR/GGGG/BBBB` ended by BEL or ST; 1 to 4
    /// hex digits per channel), anywhere in `bytes`.
    public static func parseBackground(_ bytes: [UInt8]) -> RGB? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let start = text.range(of: "\u{1B}]11;rgb:") else { return nil }
        let body = text[start.upperBound...].prefix { $0 != "\u{07}" && $0 != "\u{1B}" }
        let channels = body.split(separator: "/", omittingEmptySubsequences: false)
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
