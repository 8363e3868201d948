import Foundation

/// Finds the number in a manifest's text that Foundation's decoder refused without saying where
/// (`1e999`, `2.5` for a count, `1e300` for a temperature, `-1` for the seed).
///
/// Rather than restate the schema, it asks the decoder: the number literals that could misfit
/// are set to `0` in the order they are written, and a binary search finds how many must be set
/// before the place-less error goes; the last one set is a culprit. Working on the text rather
/// than a parsed object matters: a key written twice is read from its first copy by the decoder
/// but from its last by `JSONSerialization`, and a number too large for a double is refused by
/// `JSONSerialization` outright. The scan walks the bytes with an explicit stack (no recursion,
/// whatever the nesting) and never traps, whatever the bytes; the field path is worked out for
/// the culprit alone, by a second walk (joining every number's path cost number count times key
/// length: a 1 MB key over five million numbers was terabytes of strings).
struct ManifestNumberScan {
    /// A number as written, and where it is.
    struct Literal {
        let range: Range<Int>
        let text: String
    }

    /// The longest key a reported field path shows whole.
    static let maxKeyCharacters = 64

    /// The field and reason for the number that `failsWithoutPlace` stops reporting once it is
    /// replaced by `0`; nil when the text is not balanced JSON or no number is to blame.
    ///
    /// Setting more numbers to `0` can only remove culprits (`0` fits every number field), so
    /// "still fails after the first k suspects are set" turns false once and stays false: a
    /// binary search finds the first k where it does in a handful of decodes, whatever the size.
    static func locateMisfit(in data: Data, failsWithoutPlace: (Data) -> Bool) -> (field: String, reason: String)? {
        let bytes = [UInt8](data)
        guard let literals = literals(in: bytes) else { return nil }
        let suspects = literals.filter(\.couldMisfit)
        func failsWithFirst(_ count: Int) -> Bool { failsWithoutPlace(Data(replacing(suspects.prefix(count), in: bytes))) }
        guard !suspects.isEmpty, !failsWithFirst(suspects.count) else { return nil }
        var low = 0, high = suspects.count  // fails with the first `low` set; not with the first `high`
        while high - low > 1 {
            let middle = (low + high) / 2
            if failsWithFirst(middle) { low = middle } else { high = middle }
        }
        let culprit = suspects[high - 1]
        return (field(of: culprit, in: bytes), "\(culprit.text.prefix(Self.maxKeyCharacters)) does not fit this field")
    }

    /// `bytes` with each literal's text replaced by `0`.
    private static func replacing(_ literals: ArraySlice<Literal>, in bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        for literal in literals {
            out += bytes[position ..< literal.range.lowerBound]
            out.append(UInt8(ascii: "0"))
            position = literal.range.upperBound
        }
        out += bytes[position...]
        return out
    }

    private enum Container {
        case object(key: String?)
        case array(index: Int)
    }

    /// Every number literal in document order; nil when brackets do not balance (a truncated or
    /// broken file), where no path could be trusted.
    private static func literals(in bytes: [UInt8]) -> [Literal]? {
        var found: [Literal] = []
        let balanced = walk(bytes) { range, _ in
            found.append(Literal(range: range, text: String(decoding: bytes[range], as: UTF8.self)))
            return true
        }
        return balanced ? found : nil
    }

    /// The JSON path of the field `literal` fills (keys longer than `maxKeyCharacters` cut short).
    private static func field(of literal: Literal, in bytes: [UInt8]) -> String {
        var field = "(top level)"
        _ = walk(bytes) { range, path in
            guard range == literal.range else { return true }
            field = path()
            return false
        }
        return field
    }

    /// Walks the JSON text, calling `number` with each number literal's range and a function
    /// that gives its field path, until `number` returns false. Returns whether the brackets
    /// balanced (false when the walk was stopped early or the text is broken).
    private static func walk(_ bytes: [UInt8], number: (Range<Int>, () -> String) -> Bool) -> Bool {
        var stack: [Container] = []
        var path: [String] = []  // per open container: how it is reached from its parent
        var position = 0
        func shown(_ key: String) -> String {
            key.count <= maxKeyCharacters ? key : key.prefix(maxKeyCharacters) + "…"
        }

        func here() -> String {
            var text = path.joined()
            switch stack.last {
            case .object(let key?)?: text += "." + shown(key)
            case .array(let index)?: text += "[\(index)]"
            default: break
            }
            if text.hasPrefix(".") { text.removeFirst() }
            return text.isEmpty ? "(top level)" : text
        }
        func valueDone() {
            if case .object = stack.last { stack[stack.count - 1] = .object(key: nil) }
        }

        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let opening = bytes[position]
                var step = ""
                switch stack.last {
                case .object(let key)?: step = "." + shown(key ?? "")
                case .array(let index)?: step = "[\(index)]"
                case nil: break
                }
                path.append(step)
                stack.append(opening == UInt8(ascii: "{") ? .object(key: nil) : .array(index: 0))
                position += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard !stack.isEmpty else { return false }
                stack.removeLast()
                path.removeLast()
                valueDone()
                position += 1
            case UInt8(ascii: ","):
                if case .array(let index) = stack.last { stack[stack.count - 1] = .array(index: index + 1) }
                position += 1
            case UInt8(ascii: "\""):
                let (text, end) = readString(bytes, from: position)
                position = end
                if case .object(nil) = stack.last, nextNonSpace(bytes, from: position) == UInt8(ascii: ":") {
                    stack[stack.count - 1] = .object(key: text)
                } else {
                    valueDone()
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
                let start = position
                while position < bytes.count, isNumberByte(bytes[position]) { position += 1 }
                guard number(start ..< position, here) else { return false }
                valueDone()
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                while position < bytes.count, (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(bytes[position]) { position += 1 }
                valueDone()  // true, false or null: the next string in an object is a key again
            default:
                position += 1  // white space and ":"
            }
        }
        return stack.isEmpty
    }

    /// Reads a string from its opening quote; returns its text (escapes other than `\"` and
    /// `\\` kept as written, enough to name a key) and the position after its closing quote.
    private static func readString(_ bytes: [UInt8], from start: Int) -> (String, Int) {
        var position = start + 1
        var out: [UInt8] = []
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            if bytes[position] == UInt8(ascii: "\\"), position + 1 < bytes.count {
                position += 1
                if bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            }
            out.append(bytes[position])
            position += 1
        }
        return (String(decoding: out, as: UTF8.self), position + 1)
    }

    private static func nextNonSpace(_ bytes: [UInt8], from start: Int) -> UInt8? {
        var position = start
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        return position < bytes.count ? bytes[position] : nil
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }
}

extension ManifestNumberScan.Literal {
    /// Whether the decoder could refuse this number: anything but a plain non-negative integer
    /// that fits 63 bits. A literal that is not a JSON number at all (`7-7`) is left alone, so
    /// that broken text is still reported as broken JSON.
    var couldMisfit: Bool {
        guard isJSONNumber else { return false }
        return Int64(text).map { $0 < 0 } ?? true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private var isJSONNumber: Bool {
        var rest = Substring(text)
        func digits() -> Int {
            let count = rest.prefix { $0.isASCII && $0.isNumber }.count
            rest = rest.dropFirst(count)
            return count
        }
        if rest.first == "-" { rest = rest.dropFirst() }
        if rest.first == "0" { rest = rest.dropFirst() } else if digits() == 0 { return false }
        if rest.first == "." {
            rest = rest.dropFirst()
            if digits() == 0 { return false }
        }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            if digits() == 0 { return false }
        }
        return rest.isEmpty
    }
}
