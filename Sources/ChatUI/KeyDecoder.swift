/// Turns the bytes a terminal sends into keys, incrementally: bytes may arrive in any pieces,
/// and an incomplete sequence waits for the rest.
///
/// It reads UTF-8 text, C0 control keys, Alt as an ESC prefix, CSI and SS3 sequences (arrows,
/// Home/End, PgUp/PgDn, Insert/Delete, F1–F12, with xterm modifier parameters), the CSI-u keys
/// of the kitty keyboard protocol (keypad keys as the keys they copy) and xterm's
/// `modifyOtherKeys` forms (so Shift+Enter is told from Enter), SGR 1006 mouse wheel reports,
/// and bracketed paste (`ESC [200~ … ESC [201~`), whose content is never taken
/// for keys.
///
/// A lone ESC is ambiguous: it may be the Escape key or the start of a sequence whose rest is
/// still on the way. `hasPendingInput` says so; when no more bytes come within a short time,
/// the caller calls `flushPending()`, which reads what is waiting as keys.
///
///     var decoder = KeyDecoder()
///     decoder.decode(Array("hi\r".utf8))   // [.character("h"), .character("i"), .enter([])]
public struct KeyDecoder: Sendable {
    /// Bytes not yet decoded: the start of a sequence or of a UTF-8 character.
    private var pending: [UInt8] = []
    /// Content of a bracketed paste in progress.
    private var paste: [UInt8]?

    static let pasteStart: [UInt8] = Array("\u{1B}[200~".utf8)
    static let pasteEnd: [UInt8] = Array("\u{1B}[201~".utf8)
    /// A paste larger than this is cut (the rest is dropped) so a runaway paste cannot use
    /// all memory.
    public static let maxPasteBytes = 4 << 20

    public init() {}

    /// Whether bytes wait for more (a lone ESC, half a sequence, an open paste).
    public var hasPendingInput: Bool { !pending.isEmpty || paste != nil }

    /// Whether the bytes waiting begin with ESC (so a short wait then `flushPending` is due).
    public var isWaitingAfterEscape: Bool { paste == nil && pending.first == 0x1B }

    /// Decodes `bytes` (after whatever was pending) into keys.
    public mutating func decode(_ bytes: [UInt8]) -> [Key] {
        pending += bytes
        var keys: [Key] = []
        var index = 0
        while index < pending.count {
            if paste != nil {
                guard let consumed = consumePaste(from: index, into: &keys) else {
                    // Keep only what might be the start of the end marker.
                    let keep = Self.partialPrefixLength(of: Self.pasteEnd, atEndOf: pending, from: index)
                    appendToPaste(pending[index ..< pending.count - keep])
                    index = pending.count - keep
                    break
                }
                index = consumed
                continue
            }
            guard let (key, next) = decodeOne(at: index, final: false) else { break }
            if let key { keys.append(key) }
            index = next
        }
        pending.removeFirst(index)
        return keys
    }

    /// Reads whatever is pending as keys, not waiting for more bytes: a lone ESC becomes
    /// `.escape`, a cut-off sequence is dropped, incomplete UTF-8 becomes U+FFFD. An open paste
    /// stays open.
    public mutating func flushPending() -> [Key] {
        guard paste == nil else { return [] }
        var keys: [Key] = []
        var index = 0
        while index < pending.count {
            guard let (key, next) = decodeOne(at: index, final: true) else { break }
            if let key { keys.append(key) }
            index = next
        }
        pending.removeAll()
        return keys
    }

    // MARK: - Paste

    /// Moves paste bytes from `pending[index...]` up to the end marker into the paste; returns
    /// the index after the marker, or nil when the marker has not arrived yet.
    private mutating func consumePaste(from index: Int, into keys: inout [Key]) -> Int? {
        guard let end = Self.find(Self.pasteEnd, in: pending, from: index) else { return nil }
        appendToPaste(pending[index ..< end])
        keys.append(.paste(Self.pasteText(paste ?? [])))
        paste = nil
        return end + Self.pasteEnd.count
    }

    private mutating func appendToPaste(_ bytes: ArraySlice<UInt8>) {
        guard var buffer = paste else { return }
        let room = Self.maxPasteBytes - buffer.count
        if room > 0 { buffer += bytes.prefix(room) }
        paste = buffer
    }

    /// Pasted bytes as text: invalid UTF-8 replaced, CR LF and CR made LF.
    static func pasteText(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count - start >= needle.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0] && Array(haystack[index ..< index + needle.count]) == needle { return index }
            index += 1
        }
        return nil
    }

    /// The length of the longest suffix of `bytes[start...]` that is a proper prefix of `marker`.
    static func partialPrefixLength(of marker: [UInt8], atEndOf bytes: [UInt8], from start: Int) -> Int {
        let available = bytes.count - start
        for length in stride(from: min(marker.count - 1, available), to: 0, by: -1)
        where Array(bytes[(bytes.count - length)...]) == Array(marker[..<length]) {
            return length
        }
        return 0
    }

    // MARK: - One key

    /// Decodes the key at `index`: the key (nil for a sequence that means nothing to us) and
    /// the index after it, or nil when more bytes are needed (never when `final`).
    private mutating func decodeOne(at index: Int, final: Bool) -> (Key?, Int)? {
        let byte = pending[index]
        switch byte {
        case 0x1B:
            return decodeEscape(at: index, final: final)
        case 0x0D:
            return (.enter([]), index + 1)
        case 0x09:
            return (.tab, index + 1)
        case 0x7F, 0x08:
            return (.backspace([]), index + 1)
        case 0x00:
            return (.ctrl("@"), index + 1)
        case 0x01...0x1A:
            return (.ctrl(Character(Unicode.Scalar(byte + 0x60))), index + 1)
        case 0x1C...0x1F:
            return (.ctrl(Character(Unicode.Scalar(byte + 0x40))), index + 1)
        default:
            guard let (character, next) = decodeUTF8(at: index, final: final) else { return nil }
            return (character.map { .character($0) }, next)
        }
    }

    /// A UTF-8 character starting at `index` (nil character for a byte that starts none).
    private func decodeUTF8(at index: Int, final: Bool) -> (Character?, Int)? {
        let lead = pending[index]
        let length: Int
        switch lead {
        case 0x20...0x7E: return (Character(Unicode.Scalar(lead)), index + 1)
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return ("\u{FFFD}", index + 1)
        }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1 ..< length {
            guard index + offset < pending.count else { return final ? ("\u{FFFD}", pending.count) : nil }
            let continuation = pending[index + offset]
            guard continuation & 0xC0 == 0x80 else { return ("\u{FFFD}", index + offset) }
            value = value << 6 | UInt32(continuation & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value), value >= [0, 0, 0x80, 0x800, 0x10000][length] else {
            return ("\u{FFFD}", index + length)
        }
        // C1 controls (U+0080–U+009F) are not keys.
        if value < 0xA0 { return (nil, index + length) }
        return (Character(scalar), index + length)
    }

    /// ESC at `index`: Escape, Alt+key, a CSI or SS3 sequence, or the start of a paste.
    private mutating func decodeEscape(at index: Int, final: Bool) -> (Key?, Int)? {
        guard index + 1 < pending.count else { return final ? (.escape, index + 1) : nil }
        let next = pending[index + 1]
        switch next {
        case UInt8(ascii: "["):
            return decodeCSI(at: index, final: final)
        case UInt8(ascii: "O"):
            guard index + 2 < pending.count else { return final ? (.alt("O"), index + 2) : nil }
            return (Self.ss3Key(pending[index + 2]), index + 3)
        case 0x0D, 0x0A:
            return (.enter(.alt), index + 2)
        case 0x7F, 0x08:
            return (.backspace(.alt), index + 2)
        case 0x1B:
            return (.escape, index + 1)
        case 0x20...0x7E:
            return (.alt(Character(Unicode.Scalar(next))), index + 2)
        case 0x80...:
            guard let (character, after) = decodeUTF8(at: index + 1, final: final) else { return nil }
            return (character.map { .alt($0) }, after)
        default:
            // ESC then a control byte: Escape, and the control is read next.
            return (.escape, index + 1)
        }
    }

    /// `ESC [ parameters intermediates final`.
    private mutating func decodeCSI(at index: Int, final: Bool) -> (Key?, Int)? {
        var position = index + 2
        while position < pending.count, (0x20...0x3F).contains(pending[position]) { position += 1 }
        guard position < pending.count else { return final ? (nil, pending.count) : nil }
        let finalByte = pending[position]
        guard (0x40...0x7E).contains(finalByte) else {
            // Not a CSI sequence after all: drop the ESC [ and read on.
            return (nil, index + 2)
        }
        let body = String(decoding: pending[(index + 2) ..< position], as: UTF8.self)
        let end = position + 1
        if finalByte == UInt8(ascii: "M") && body.isEmpty {
            // A legacy X10 mouse report (terminals without SGR 1006): three raw bytes follow.
            guard end + 3 <= pending.count else { return final ? (nil, pending.count) : nil }
            return (nil, end + 3)
        }
        if finalByte == UInt8(ascii: "~") && body == "200" {
            paste = []
            return (nil, end)
        }
        return (Self.csiKey(body: body, final: Character(Unicode.Scalar(finalByte))), end)
    }

    static func ss3Key(_ byte: UInt8) -> Key? {
        switch byte {
        case UInt8(ascii: "A"): .up([])
        case UInt8(ascii: "B"): .down([])
        case UInt8(ascii: "C"): .right([])
        case UInt8(ascii: "D"): .left([])
        case UInt8(ascii: "H"): .home([])
        case UInt8(ascii: "F"): .end([])
        case UInt8(ascii: "M"): .enter([])
        case UInt8(ascii: "P"): .function(1)
        case UInt8(ascii: "Q"): .function(2)
        case UInt8(ascii: "R"): .function(3)
        case UInt8(ascii: "S"): .function(4)
        default: nil
        }
    }

    /// The key a complete CSI sequence stands for.
    static func csiKey(body: String, final: Character) -> Key? {
        if body.hasPrefix("<") { return mouseKey(body: body.dropFirst(), final: final) }
        // A parameter's sub-parameters (`code:shifted-code`, `modifiers:event`) are dropped.
        let parameters = body.split(separator: ";", omittingEmptySubsequences: false).map {
            Int($0.prefix { $0 != ":" })
        }
        func modifiers(at position: Int) -> KeyModifiers {
            guard position < parameters.count, let value = parameters[position], value > 1 else { return [] }
            return KeyModifiers(rawValue: UInt8(truncatingIfNeeded: value - 1)).intersection([.shift, .alt, .ctrl])
        }
        switch final {
        case "A": return .up(modifiers(at: 1))
        case "B": return .down(modifiers(at: 1))
        case "C": return .right(modifiers(at: 1))
        case "D": return .left(modifiers(at: 1))
        case "H": return .home(modifiers(at: 1))
        case "F": return .end(modifiers(at: 1))
        case "Z": return .backTab
        case "P", "Q", "R", "S":
            return .function(Int(final.asciiValue! - Character("P").asciiValue!) + 1)
        case "u":
            // CSI code ; modifiers u (the kitty and fixterms keyboard protocols).
            guard let code = parameters.first ?? nil else { return nil }
            return keyForCode(code, modifiers: modifiers(at: 1))
        case "~":
            guard let first = parameters.first ?? nil else { return nil }
            switch first {
            case 1, 7: return .home(modifiers(at: 1))
            case 4, 8: return .end(modifiers(at: 1))
            case 2: return .insert
            case 3: return .delete
            case 5: return .pageUp
            case 6: return .pageDown
            case 11...15: return .function(first - 10)
            case 17...21: return .function(first - 11)
            case 23, 24: return .function(first - 12)
            case 27:
                // xterm modifyOtherKeys: CSI 27 ; modifiers ; code ~
                guard parameters.count >= 3, let code = parameters[2] else { return nil }
                return keyForCode(code, modifiers: modifiers(at: 1))
            default: return nil
            }
        default:
            return nil
        }
    }

    /// A key given by its Unicode code point and modifiers.
    static func keyForCode(_ code: Int, modifiers: KeyModifiers) -> Key? {
        switch code {
        case 13: return .enter(modifiers)
        case 9: return modifiers.contains(.shift) ? .backTab : .tab
        case 127, 8: return .backspace(modifiers)
        case 27: return .escape
        case kittyFunctionKeys: return kittyFunctionKey(code, modifiers: modifiers)
        default:
            guard let scalar = Unicode.Scalar(UInt32(clamping: code)), code >= 0x20 else { return nil }
            let character = Character(scalar)
            if modifiers.contains(.ctrl), let ascii = character.asciiValue, (0x40...0x7E).contains(ascii) {
                return .ctrl(Character(Unicode.Scalar(ascii | 0x20)))
            }
            if modifiers.contains(.alt) { return .alt(character) }
            return .character(character)
        }
    }

    /// The Private Use Area code points the kitty keyboard protocol gives keys without a
    /// character of their own (keypad, F13 and up, media and modifier keys): never text.
    static let kittyFunctionKeys = 57344 ... 63743
    /// What the keypad's keys KP_0 (57399) to KP_ADD (57413) type, in code order.
    static let keypadText = Array("0123456789./*-+".unicodeScalars)

    /// A kitty functional key: the keypad's keys as the keys they copy (under the protocol's
    /// "disambiguate" flag the keypad reports its own codes), F13-F35, and nothing for the rest
    /// (media, lock and modifier keys), so none is ever typed into the message as a character.
    static func kittyFunctionKey(_ code: Int, modifiers: KeyModifiers) -> Key? {
        switch code {
        case 57376 ... 57398: return .function(code - 57376 + 13)
        case 57399 ... 57413: return keyForCode(Int(keypadText[code - 57399].value), modifiers: modifiers)
        case 57414: return .enter(modifiers)
        case 57415: return keyForCode(Int(UnicodeScalar("=").value), modifiers: modifiers)
        case 57416: return keyForCode(Int(UnicodeScalar(",").value), modifiers: modifiers)
        case 57417: return .left(modifiers)
        case 57418: return .right(modifiers)
        case 57419: return .up(modifiers)
        case 57420: return .down(modifiers)
        case 57421: return .pageUp
        case 57422: return .pageDown
        case 57423: return .home(modifiers)
        case 57424: return .end(modifiers)
        case 57425: return .insert
        case 57426: return .delete
        default: return nil
        }
    }

    /// SGR 1006 mouse report `ESC [ < button ; x ; y M|m`: only the wheel means anything here.
    static func mouseKey(body: Substring, final: Character) -> Key? {
        guard final == "M" || final == "m" else { return nil }
        guard let buttonText = body.split(separator: ";").first, let button = Int(buttonText) else { return nil }
        guard button & 64 != 0 else { return nil }  // presses, releases and drags are ignored
        switch button & 0b11 {
        case 0: return .wheelUp
        case 1: return .wheelDown
        default: return nil
        }
    }
}
