/// The bytes a terminal sent while `TerminalProbe` waited, split into the terminal's replies and
/// what the user typed meanwhile.
///
/// Replies are OSC strings (`ESC ]` up to BEL or ST) and private-parameter CSI reports
/// (`ESC [ ?` up to a final byte in 0x40...0x7E), such as DA1 (`ESC [ ? 62 ; 22 c`) or the kitty
/// keyboard flags (`ESC [ ? 1 u`). A key never sends either form, so everything else was typed.
/// A reply cut off at the end (by the time limit) is dropped, not taken for keys.
struct TerminalReplies: Equatable {
    /// One reply, as the bytes after its introducer (`ESC ]` or `ESC [ ?`).
    struct Reply: Equatable {
        enum Kind: Equatable { case osc, privateCSI }
        var kind: Kind
        var body: [UInt8]
        /// Whether its terminator arrived (BEL or ST for OSC, the final byte for CSI).
        var isComplete: Bool
    }

    private(set) var replies: [Reply] = []
    /// The bytes outside the replies, in order: keys typed while the probe waited.
    private(set) var typed: [UInt8] = []

    init(_ bytes: [UInt8]) {
        let escape: UInt8 = 0x1B, bell: UInt8 = 0x07
        var index = 0
        func byte(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        while index < bytes.count {
            if bytes[index] == escape, byte(1) == UInt8(ascii: "]") {
                var end = index + 2
                while end < bytes.count, bytes[end] != bell, !(bytes[end] == escape && end + 1 < bytes.count && bytes[end + 1] == UInt8(ascii: "\\")) {
                    end += 1
                }
                replies.append(Reply(kind: .osc, body: Array(bytes[(index + 2) ..< end]), isComplete: end < bytes.count))
                index = end < bytes.count && bytes[end] == escape ? end + 2 : end + 1
            } else if bytes[index] == escape, byte(1) == UInt8(ascii: "["), byte(2) == UInt8(ascii: "?") {
                var end = index + 3
                while end < bytes.count, !(0x40 ... 0x7E).contains(bytes[end]) { end += 1 }
                replies.append(Reply(kind: .privateCSI, body: Array(bytes[(index + 3) ..< min(end + 1, bytes.count)]),
                                     isComplete: end < bytes.count))
                index = end + 1
            } else {
                typed.append(bytes[index])
                index += 1
            }
        }
    }

    /// Whether the DA1 answer has arrived whole: every terminal sends it, after its other replies.
    var endsWithDeviceAttributes: Bool {
        replies.contains { $0.kind == .privateCSI && $0.isComplete && $0.body.last == UInt8(ascii: "c") }
    }

    /// Whether a kitty keyboard protocol report (`ESC [ ? flags u`) arrived: the terminal speaks
    /// the protocol.
    var answersKittyKeyboardQuery: Bool {
        replies.contains { reply in
            reply.kind == .privateCSI && reply.isComplete && reply.body.count >= 2 && reply.body.last == UInt8(ascii: "u")
                && reply.body.dropLast().allSatisfy { (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }
        }
    }
}
