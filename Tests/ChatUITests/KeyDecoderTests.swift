import Testing
@testable import ChatUI

/// The bytes real terminals send for the keys the chat uses, in one piece and split anywhere.
@Suite struct KeyDecoderTests {
    func keys(_ text: String) -> [Key] {
        var decoder = KeyDecoder()
        return decoder.decode(Array(text.utf8)) + decoder.flushPending()
    }

    @Test func textAndControlKeys() {
        #expect(keys("hi") == [.character("h"), .character("i")])
        #expect(keys("\r") == [.enter([])])
        #expect(keys("\n") == [.ctrl("j")])
        #expect(keys("\t") == [.tab])
        #expect(keys("\u{7F}") == [.backspace([])])
        #expect(keys("\u{08}") == [.backspace([])])
        #expect(keys("\u{01}\u{05}\u{03}\u{04}") == [.ctrl("a"), .ctrl("e"), .ctrl("c"), .ctrl("d")])
        #expect(keys("\u{1F}") == [.ctrl("_")])
    }

    @Test func utf8TextIncludingKoreanAndEmoji() {
        #expect(keys("한글") == [.character("한"), .character("글")])
        #expect(keys("é🙂") == [.character("é"), .character("🙂")])
    }

    @Test func aCharacterSplitAcrossReadsWaitsForItsRest() {
        var decoder = KeyDecoder()
        let bytes = Array("한".utf8)
        #expect(decoder.decode([bytes[0]]).isEmpty)
        #expect(decoder.decode([bytes[1]]).isEmpty)
        #expect(decoder.decode([bytes[2]]) == [.character("한")])
        #expect(!decoder.hasPendingInput)
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        var decoder = KeyDecoder()
        #expect(decoder.decode([0xFF, 0x41]) == [.character("\u{FFFD}"), .character("A")])
        #expect(decoder.decode([0xE2, 0x41]) == [.character("\u{FFFD}"), .character("A")])
        // C1 controls encoded in UTF-8 are not keys.
        #expect(decoder.decode([0xC2, 0x9B, 0x41]) == [.character("A")])
    }

    @Test func altEnterAndShiftEnterInsertNewlinesNotSend() {
        #expect(keys("\u{1B}\r") == [.enter(.alt)])
        #expect(keys("\u{1B}[13;2u") == [.enter(.shift)])          // kitty / CSI u
        #expect(keys("\u{1B}[27;2;13~") == [.enter(.shift)])       // xterm modifyOtherKeys
        #expect(keys("\u{1B}[13;5u") == [.enter(.ctrl)])
    }

    /// What kitty sends under its keyboard protocol's "disambiguate" flag, which the chat turns
    /// on where the terminal answers the protocol's query.
    @Test func kittyKeyboardProtocolKeys() {
        #expect(keys("\u{1B}[27u") == [.escape])                                  // Esc, no timing guess
        #expect(keys("\u{1B}[99;5u\u{1B}[100;5u") == [.ctrl("c"), .ctrl("d")])   // Ctrl+C, Ctrl+D
        #expect(keys("\u{1B}[106;5u") == [.ctrl("j")])                            // Ctrl+J: new line
        #expect(keys("\u{1B}[13;3u\u{1B}[98;3u") == [.enter(.alt), .alt("b")])   // Alt+Enter, Alt+B
        #expect(keys("\u{1B}[9;2u\u{1B}[127;5u") == [.backTab, .backspace(.ctrl)])
        // The keypad reports codes of its own; they type what the main keys type.
        #expect(keys("\u{1B}[57399u\u{1B}[57408u\u{1B}[57409u\u{1B}[57413u") == [.character("0"), .character("9"), .character("."), .character("+")])
        #expect(keys("\u{1B}[57414u\u{1B}[57414;2u") == [.enter([]), .enter(.shift)])
        #expect(keys("\u{1B}[57417u\u{1B}[57419;5u\u{1B}[57421u\u{1B}[57426u") == [.left([]), .up(.ctrl), .pageUp, .delete])
        #expect(keys("\u{1B}[57376u") == [.function(13)])
        // Media, lock and modifier keys type nothing (they are Private Use Area code points).
        #expect(keys("\u{1B}[57428u\u{1B}[57358u\u{1B}[57441;2u") == [])
        #expect(keys("\u{1B}[97:65;2u") == [.character("a")])                     // sub-parameters dropped
    }

    @Test func arrowsHomeEndPagesAndModifiers() {
        #expect(keys("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D") == [.up([]), .down([]), .right([]), .left([])])
        #expect(keys("\u{1B}OA\u{1B}OD") == [.up([]), .left([])])  // application cursor mode
        #expect(keys("\u{1B}[1;5C\u{1B}[1;3D") == [.right(.ctrl), .left(.alt)])
        #expect(keys("\u{1B}[H\u{1B}[F\u{1B}[1~\u{1B}[4~\u{1B}OH") == [.home([]), .end([]), .home([]), .end([]), .home([])])
        #expect(keys("\u{1B}[5~\u{1B}[6~\u{1B}[3~\u{1B}[2~") == [.pageUp, .pageDown, .delete, .insert])
        #expect(keys("\u{1B}[Z") == [.backTab])
        #expect(keys("\u{1B}OP\u{1B}[15~\u{1B}[24~") == [.function(1), .function(5), .function(12)])
    }

    @Test func altLetters() {
        #expect(keys("\u{1B}b\u{1B}f") == [.alt("b"), .alt("f")])
        #expect(keys("\u{1B}\u{7F}") == [.backspace(.alt)])
    }

    @Test func aLoneEscapeWaitsThenIsEscape() {
        var decoder = KeyDecoder()
        #expect(decoder.decode([0x1B]).isEmpty)
        #expect(decoder.isWaitingAfterEscape)
        #expect(decoder.flushPending() == [.escape])
        #expect(!decoder.hasPendingInput)
    }

    @Test func aSequenceSplitAnywhereDecodesTheSame() {
        let sequence = Array("a\u{1B}[1;5Cb\u{1B}[200~x\ry\u{1B}[201~\u{1B}[<65;10;5M".utf8)
        let whole = keys(String(decoding: sequence, as: UTF8.self))
        #expect(whole == [.character("a"), .right(.ctrl), .character("b"), .paste("x\ny"), .wheelDown])
        for cut in 1 ..< sequence.count {
            var decoder = KeyDecoder()
            let parts = decoder.decode(Array(sequence[..<cut])) + decoder.decode(Array(sequence[cut...]))
            #expect(parts == whole, "cut at \(cut)")
        }
    }

    @Test func bracketedPasteIsTextEvenWithEnterAndEscapes() {
        #expect(keys("\u{1B}[200~line one\r\nline two\rthree\u{1B}[A\u{03}\u{1B}[201~") ==
                [.paste("line one\nline two\nthree\u{1B}[A\u{03}")])
    }

    @Test func aPasteSplitAcrossManyReadsStaysOnePaste() {
        var decoder = KeyDecoder()
        var keys: [Key] = []
        keys += decoder.decode(Array("\u{1B}[200~abc".utf8))
        keys += decoder.flushPending()  // a pause mid-paste does not end it
        keys += decoder.decode(Array("\r\u{1B}[20".utf8))
        keys += decoder.decode(Array("1~z".utf8))
        #expect(keys == [.paste("abc\n"), .character("z")])
    }

    @Test func mouseWheelInSGRFormAndOtherMouseEventsIgnored() {
        #expect(keys("\u{1B}[<64;3;4M") == [.wheelUp])
        #expect(keys("\u{1B}[<65;3;4M") == [.wheelDown])
        #expect(keys("\u{1B}[<0;3;4M\u{1B}[<0;3;4m") == [])
        // A legacy X10 report's three raw bytes are not typed into the input.
        #expect(keys("\u{1B}[M`!!x") == [.character("x")])
    }

    @Test func unknownSequencesAreDropped() {
        #expect(keys("\u{1B}[99xq") == [.character("q")])
    }
}
