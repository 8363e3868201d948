import ChatEngine
import Testing
@testable import ChatUI

/// Nothing that reaches the screen can drive the terminal: every C0 and C1 control, DEL, every
/// bidi control and line separator, and the escape sequences that attacks use (clipboard writes
/// with OSC 52, title changes, hyperlinks, device control strings), fed through the model's output,
/// typed keys, a bracketed paste and the status line, end up as visible text, never as controls.
/// Invalid UTF-8 typed or pasted becomes U+FFFD and the text after it survives.
@Suite struct TerminalSafetyTests {
    /// Every scalar TerminalText must neutralise.
    static let unsafeScalars: [Unicode.Scalar] =
        (Array(0x00...0x1F) + Array(0x7F...0x9F) + Array(0x202A...0x202E) + Array(0x2066...0x2069)
            + [0x200E, 0x200F, 0x061C, 0x2028, 0x2029])
        .filter { $0 != 0x0A && $0 != 0x09 }
        .map { Unicode.Scalar(UInt32($0))! }

    /// Sequences terminals act on.
    static let sequences: [String] = [
        "\u{1B}[2J\u{1B}[H",                          // clear screen, cursor home
        "\u{1B}]52;c;cm0gLXJmIH4=\u{07}",             // OSC 52: write the clipboard (BEL)
        "\u{1B}]52;c;cm0gLXJmIH4=\u{1B}\\",           // OSC 52 ended by ST
        "\u{1B}]0;owned\u{07}", "\u{1B}]2;owned\u{1B}\\", // window title
        "\u{1B}]8;;https://evil.example\u{1B}\\click\u{1B}]8;;\u{1B}\\", // hyperlink
        "\u{1B}P+q544e\u{1B}\\",                      // DCS request (XTGETTCAP)
        "\u{1B}_apc\u{1B}\\", "\u{1B}^pm\u{1B}\\", "\u{1B}Xsos\u{1B}\\",
        "\u{9B}31m\u{9D}0;title\u{9C}",               // 8-bit CSI, OSC, ST
        "\u{1B}[6n", "\u{1B}[21t", "\u{1B}c",         // report requests, full reset
        "abc\u{202E}fdp.exe", "\u{2067}rtl\u{2069}",  // bidi overrides and isolates
    ]

    static func everyHostileText() -> [String] {
        unsafeScalars.map { "a" + String(Character($0)) + "b" } + sequences
    }

    /// Fails for any cell that holds an unsafe scalar.
    func expectSafe(_ screen: Screen, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for row in 0 ..< screen.height {
            for column in 0 ..< screen.width {
                let character = screen[row, column].cell.character
                if character == Screen.wideTail { continue }
                #expect(!character.unicodeScalars.contains(where: TerminalText.isUnsafe),
                        "\(what): cell \(row),\(column) holds \(character.unicodeScalars.map(\.value))",
                        sourceLocation: sourceLocation)
            }
        }
    }

    @Test func modelOutputNeverReachesTheTerminalAsControls() {
        for text in Self.everyHostileText() {
            var state = makeState(columns: 60, rows: 12)
            type("x", &state)
            press([.enter([])], &state)
            _ = update(&state, .generation(.text(text), at: 2))
            expectSafe(view(state), "model text \(text.unicodeScalars.map(\.value))")
        }
        // Shown as visible escapes, so the user sees what the model wrote.
        var state = makeState(columns: 80, rows: 12)
        type("x", &state)
        press([.enter([])], &state)
        _ = update(&state, .generation(.text("a\u{1B}]52;c;eA==\u{07}b"), at: 2))
        #expect(view(state).textSnapshot().contains("a\\u{1b}]52;c;eA==\\u{7}b"))
    }

    @Test func typedAndPastedInputNeverReachesTheTerminalAsControls() {
        for text in Self.everyHostileText() {
            // As a terminal would send it: raw bytes through the key decoder, then as a paste.
            for bytes in [Array(text.utf8), Array("\u{1B}[200~\(text)\u{1B}[201~".utf8)] {
                var decoder = KeyDecoder()
                let keys = decoder.decode(bytes) + decoder.flushPending()
                var state = makeState(columns: 60, rows: 12)
                press(keys, &state)
                expectSafe(view(state), "input \(bytes)")
            }
        }
    }

    @Test func theStatusLineCannotBeHijackedThroughAModelName() {
        for text in Self.everyHostileText() {
            var state = makeState(columns: 60, rows: 12)
            state.model = ModelInfo(name: "m" + text, contextLength: 256)
            expectSafe(view(state), "model name \(text.unicodeScalars.map(\.value))")
        }
    }

    @Test func theScreenItselfStoresNoControl() {
        var screen = Screen(width: 4, height: 1)
        for scalar in Self.unsafeScalars {
            screen.put(Character(scalar), row: 0, column: 0, style: .plain)
            #expect(screen[0, 0].cell.character == "\u{FFFD}", "U+\(String(scalar.value, radix: 16))")
        }
        screen.put("e\u{301}", row: 0, column: 1, style: .plain)  // a combining mark is fine
        #expect(screen[0, 1].cell.character == "e\u{301}")
        // Text keeps tabs and newlines; a cell does not (a history search or a file name can
        // bring them past the wrapping that handles them elsewhere).
        screen.put("\t", row: 0, column: 2, style: .plain)
        screen.put("\n", row: 0, column: 3, style: .plain)
        #expect(screen[0, 2].cell.character == " " && screen[0, 3].cell.character == "\u{FFFD}")
    }

    /// Zero-width scalars take no cell on the screen, as wrapping counts them: a line of them
    /// is not cut short, and no cell holds one (ncurses would draw it on the cell before).
    @Test func zeroWidthScalarsTakeNoCell() {
        var screen = Screen(width: 6, height: 1)
        let text = "a\u{200B}b\u{2060}c\u{FEFF}d"
        #expect(CellWidth.of(text) == 4)
        #expect(screen.write(text, row: 0, column: 0, style: .plain) == 4)
        #expect((0 ..< 4).map { screen[0, $0].cell.character } == ["a", "b", "c", "d"])
    }

    @Test func sanitisedTextHasNoUnsafeScalarLeft() {
        for text in Self.everyHostileText() {
            #expect(!TerminalText.safe(text).unicodeScalars.contains(where: TerminalText.isUnsafe))
        }
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        let cases: [[UInt8]] = [[0x80], [0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0xBC], [0xED, 0xA0, 0x80]]
        for bad in cases {
            var decoder = KeyDecoder()
            let keys = decoder.decode(Array("a".utf8) + bad + Array("z".utf8)) + decoder.flushPending()
            let text = keys.compactMap { key -> Character? in if case .character(let c) = key { c } else { nil } }
            #expect(text.first == "a" && text.last == "z", "\(bad): \(keys)")
            #expect(text.contains("\u{FFFD}"), "\(bad): \(keys)")
            var pasteDecoder = KeyDecoder()
            let pasted = pasteDecoder.decode(Array("\u{1B}[200~".utf8) + bad + Array("ok\u{1B}[201~".utf8))
            guard case .paste(let content)? = pasted.first else {
                Issue.record("\(bad): no paste in \(pasted)")
                continue
            }
            #expect(content.hasSuffix("ok") && content.contains("\u{FFFD}"), "\(bad): \(content)")
        }
    }
}

/// A paste beyond the limit is cut, not buffered without end, and the keys after it still work.
@Suite struct PasteLimitTests {
    @Test func aRunawayPasteIsCutAtTheLimit() {
        var decoder = KeyDecoder()
        var keys = decoder.decode(Array("\u{1B}[200~".utf8))
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0 ..< 6 { keys += decoder.decode(chunk) }  // 6 MiB, above the 4 MiB limit
        keys += decoder.decode(Array("\u{1B}[201~a".utf8))
        guard case .paste(let text)? = keys.first else {
            Issue.record("no paste: \(keys.prefix(3))")
            return
        }
        #expect(text.utf8.count == KeyDecoder.maxPasteBytes)
        #expect(keys.dropFirst().first == .character("a"))
    }
}
