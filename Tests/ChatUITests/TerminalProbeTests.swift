import Foundation
import Imaging
import Testing
@testable import ChatUI
#if canImport(Glibc)
import Glibc
#endif

/// OSC 11 (the terminal's background colour) and the kitty keyboard query, read from a
/// pseudo-terminal that answers as terminals do (or only answers DA1, or not at all).
@Suite(.serialized) struct TerminalProbeTests {
    @Test func repliesParseWithAnyDigitCountAndEitherTerminator() {
        func parse(_ text: String) -> RGB? { TerminalProbe.parseBackground(Array(text.utf8)) }
        #expect(parse("\u{1B}]11;rgb:ffff/ffff/ffff\u{1B}\\") == RGB(255, 255, 255))
        #expect(parse("\u{1B}]11;rgb:1c1c/1c1c/1c1c\u{07}\u{1B}[?62;22c") == RGB(28, 28, 28))
        #expect(parse("\u{1B}]11;rgb:f/8/0\u{07}") == RGB(255, 136, 0))
        #expect(parse("\u{1B}[?62;c") == nil)
        #expect(parse("\u{1B}]11;rgb:ff/ff\u{07}") == nil)
        #expect(parse("\u{1B}]11;rgb:gg/00/00\u{07}") == nil)
        #expect(TerminalProbe.isLight(RGB(255, 255, 255)) && TerminalProbe.isLight(RGB(253, 246, 227)))
        #expect(!TerminalProbe.isLight(RGB(0, 0, 0)) && !TerminalProbe.isLight(RGB(40, 44, 52)))
    }

    /// Opens a pseudo-terminal; `answer` gets what the probe wrote and returns the reply.
    /// `typedBefore` is typed on it (in the shell's cooked mode) before the probe starts.
    func probe(timeout: Int = 2000, askingBackground: Bool = true, typedBefore: String = "",
               answer: @escaping @Sendable (String) -> String?) throws -> (TerminalProbe.Result, Double) {
        // posix_openpt and friends are not visible to Swift here; /dev/ptmx with the two ioctls
        // they wrap (Linux: TIOCSPTLCK unlocks the pair, TIOCGPTN gives its number) does the same.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0)
        defer { close(master) }
        var unlock: Int32 = 0, number: UInt32 = 0
        try #require(ioctl(master, 0x4004_5431, &unlock) == 0 && ioctl(master, 0x8004_5430, &number) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        defer { close(slave) }
        if !typedBefore.isEmpty {
            _ = Array(typedBefore.utf8).withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            // In cooked mode the slave is readable once the line discipline has taken a whole line.
            var ready = pollfd(fd: slave, events: Int16(POLLIN), revents: 0)
            try #require(poll(&ready, 1, 2000) == 1)
        }
        let terminal = Thread {
            var buffer = [UInt8](repeating: 0, count: 64)
            var query: [UInt8] = []
            while !String(decoding: query, as: UTF8.self).hasSuffix("\u{1B}[c") {
                let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if count <= 0 { return }
                query += buffer.prefix(count)
            }
            if let reply = answer(String(decoding: query, as: UTF8.self)) {
                _ = Array(reply.utf8).withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            }
        }
        terminal.start()
        let start = Date()
        let result = TerminalProbe.run(askingBackground: askingBackground, input: slave, output: slave,
                                       timeoutMilliseconds: timeout)
        return (result, Date().timeIntervalSince(start))
    }

    @Test func aTerminalThatAnswersGivesItsColour() throws {
        let (result, _) = try probe { query in
            query == TerminalProbe.query(askingBackground: true) ? "\u{1B}]11;rgb:fdfd/f6f6/e3e3\u{1B}\\\u{1B}[?62;22c" : nil
        }
        #expect(result == TerminalProbe.Result(background: RGB(253, 246, 227), typedAhead: []))
    }

    /// kitty, foot, WezTerm and Ghostty answer `CSI ? u` with their keyboard flags; a terminal
    /// that answers only DA1 does not speak the protocol.
    @Test func aKittyKeyboardReplyIsRecognised() throws {
        let (kitty, _) = try probe { _ in "\u{1B}]11;rgb:0000/0000/0000\u{1B}\\\u{1B}[?0u\u{1B}[?62;52c" }
        #expect(kitty == TerminalProbe.Result(background: RGB(0, 0, 0), kittyKeyboard: true, typedAhead: []))
        let (xterm, _) = try probe { _ in "\u{1B}]11;rgb:ffff/ffff/ffff\u{1B}\\\u{1B}[?64;1;2c" }
        #expect(xterm == TerminalProbe.Result(background: RGB(255, 255, 255), kittyKeyboard: false, typedAhead: []))
    }

    /// With a theme already chosen the background is not asked for; the keyboard still is.
    @Test func withAThemeChosenOnlyTheKeyboardIsAsked() throws {
        let (result, _) = try probe(askingBackground: false) { query in
            query == "\u{1B}[?u\u{1B}[c" ? "\u{1B}[?1u\u{1B}[?62;c" : nil
        }
        #expect(result == TerminalProbe.Result(background: nil, kittyKeyboard: true, typedAhead: []))
    }

    /// A key typed between the terminal's replies ends nothing early: "c" after the kitty reply
    /// is not the end of DA1, and it reaches the chat.
    @Test func aTypedLetterCBetweenRepliesIsKeptAndDoesNotEndTheWait() {
        let partial = TerminalReplies(Array("\u{1B}[?0uc".utf8))
        #expect(!partial.endsWithDeviceAttributes)
        #expect(partial.typed == Array("c".utf8))
        let whole = TerminalReplies(Array("\u{1B}[?0uc\u{1B}[?62;22c".utf8))
        #expect(whole.endsWithDeviceAttributes && whole.answersKittyKeyboardQuery)
        #expect(!TerminalReplies(Array("\u{1B}[?62;22c".utf8)).answersKittyKeyboardQuery)
        #expect(!TerminalReplies(Array("\u{1B}[?1".utf8)).answersKittyKeyboardQuery)  // cut off
    }

    /// Keys typed while the probe waits arrive mixed with the replies; they are handed on to the
    /// chat, not swallowed.
    @Test func keysTypedDuringTheProbeAreKept() throws {
        let (result, _) = try probe { _ in "dr\u{1B}]11;rgb:0000/0000/0000\u{07}aw\u{1B}[A\u{1B}[?62;22c" }
        #expect(result.background == RGB(0, 0, 0))
        #expect(result.typedAhead == Array("draw\u{1B}[A".utf8))
    }

    /// A message typed (with Enter) while the chat was starting is sent: the shell's line
    /// discipline turned its Enter into a line feed, which the probe turns back; an Enter typed
    /// while the probe waits is read raw and stays a carriage return.
    @Test func anEnterTypedBeforeTheChatStartsStaysEnter() throws {
        let (result, _) = try probe(typedBefore: "draw a red circle\r") { _ in "hi\r\u{1B}[?62;22c" }
        #expect(String(decoding: result.typedAhead, as: UTF8.self) == "draw a red circle\rhi\r")
        #expect(TypedAhead.enterRestored(Array("a\nb".utf8), mappedByLineDiscipline: false) == Array("a\nb".utf8))
    }

    @Test func repliesAreTakenOutOfTheInputWholeOrCut() {
        func kept(_ text: String) -> String { String(decoding: TerminalReplies(Array(text.utf8)).typed, as: UTF8.self) }
        #expect(kept("a\u{1B}]11;rgb:1/2/3\u{1B}\\b\u{1B}[?1;2cc") == "abc")
        #expect(kept("x\u{1B}]11;rgb:ff") == "x")  // an OSC reply cut off by the time limit
        #expect(kept("\u{1B}[?62;") == "")
        #expect(kept("\u{1B}[B\u{1B}OP\u{1B}x\r") == "\u{1B}[B\u{1B}OP\u{1B}x\r")  // keys: Down, F1, Alt+x, Enter
        #expect(kept("") == "")
    }

    @Test func aTerminalThatOnlyAnswersDA1EndsTheProbeAtOnce() throws {
        let (result, seconds) = try probe(timeout: 5000) { _ in "\u{1B}[?1;2c" }
        #expect(result == TerminalProbe.Result(background: nil, typedAhead: []))
        #expect(seconds < 4)  // it did not wait for the 5 s limit
    }

    @Test func aSilentTerminalTimesOut() throws {
        let (result, _) = try probe(timeout: 100) { _ in nil }
        #expect(result.background == nil)
    }
}

/// The input modes the chat switches on: the kitty keyboard protocol only where the terminal
/// answered its query, pushed last and popped first, so the other modes' order is kept.
@Suite struct InputModeSequenceTests {
    @Test func kittyKeyboardIsPushedOnlyWhenAnswered() {
        let plain = NcursesTerminal.modeSequences(kittyKeyboard: false)
        #expect(!plain.enable.contains("u") && !plain.disable.contains("u"))
        #expect(plain.enable.contains("\u{1B}[>4;1m") && plain.disable.contains("\u{1B}[>4m"))
        let kitty = NcursesTerminal.modeSequences(kittyKeyboard: true)
        #expect(kitty.enable == plain.enable + "\u{1B}[>1u")
        #expect(kitty.disable == "\u{1B}[<u" + plain.disable)
    }
}
