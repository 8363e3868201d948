import Foundation

/// Something `Split`, `Replace` and friends search for in a piece of text.
///
/// Text is an array of Unicode scalars throughout the module: `tokenizers` works on Rust
/// `char`s (scalars), never on grapheme clusters.
enum TextPattern: Sendable {
    /// A literal string; `tokenizers` regex-escapes these, so matches are leftmost and
    /// non-overlapping.
    case literal([Unicode.Scalar])
    /// An Oniguruma regex, run through ICU after `OnigurumaTranslation`.
    case regex(NSRegularExpression)
    /// Each single scalar that satisfies the predicate is one match.
    case predicate(ScalarPredicate)

    /// A character test used by the char-based pre-tokenizers.
    enum ScalarPredicate: Sendable {
        case whitespace
        case numeric
        case punctuation
        case equal(Unicode.Scalar)

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .whitespace: UnicodeClasses.isWhitespace(scalar)
            case .numeric: UnicodeClasses.isNumeric(scalar)
            case .punctuation: UnicodeClasses.isPunctuation(scalar)
            case .equal(let wanted): scalar == wanted
            }
        }
    }

    /// Compiles an Oniguruma pattern from `tokenizer.json`.
    static func oniguruma(_ source: String, field: JSONField) throws(TokenizerError) -> TextPattern {
        let translated: String
        do {
            translated = try OnigurumaTranslation.translate(source)
        } catch {
            switch error {
            case .unsupported(let feature): throw field.unsupported("regex \(quoted(source)) uses \(feature)")
            case .malformed(let reason): throw field.malformed("regex \(quoted(source)): \(reason)")
            }
        }
        do {
            return .regex(try NSRegularExpression(pattern: translated, options: []))
        } catch {
            throw field.unsupported("regex \(quoted(source)) cannot be compiled (ICU pattern \(quoted(translated)))")
        }
    }

    /// Reads a `{"String": ...}` or `{"Regex": ...}` pattern object.
    static func parse(_ field: JSONField) throws(TokenizerError) -> TextPattern {
        if let literal = try field.member("String") {
            let scalars = Array(try literal.string().unicodeScalars)
            guard !scalars.isEmpty else { throw literal.unsupported("an empty string pattern") }
            return .literal(scalars)
        }
        if let regex = try field.member("Regex") {
            return try oniguruma(try regex.string(), field: regex)
        }
        throw field.malformed("expected a {\"String\": …} or {\"Regex\": …} pattern")
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
    }

    /// The ranges this pattern matches in `text`, leftmost first and non-overlapping.
    ///
    /// Empty regex matches follow Oniguruma's iterator (as wrapped by `tokenizers`): an empty match
    /// that starts where the previous match ended is skipped.
    func matchRanges(in text: [Unicode.Scalar]) -> [Range<Int>] {
        switch self {
        case .literal(let needle):
            return Self.literalMatches(of: needle, in: text)
        case .predicate(let predicate):
            var ranges: [Range<Int>] = []
            for (index, scalar) in text.enumerated() where predicate.matches(scalar) {
                ranges.append(index..<index + 1)
            }
            return ranges
        case .regex(let regex):
            return Self.regexMatches(regex, in: text)
        }
    }

    /// Splits `text` into consecutive (range, isMatch) pieces covering all of it, like
    /// `tokenizers`' `Pattern::find_matches`. Empty text gives one empty non-match.
    func findMatches(in text: [Unicode.Scalar], invert: Bool = false) -> [(range: Range<Int>, isMatch: Bool)] {
        if text.isEmpty { return [(0..<0, false)] }
        var pieces: [(range: Range<Int>, isMatch: Bool)] = []
        var previous = 0
        for match in matchRanges(in: text) {
            if previous != match.lowerBound { pieces.append((previous..<match.lowerBound, invert)) }
            pieces.append((match, !invert))
            previous = match.upperBound
        }
        if previous != text.count { pieces.append((previous..<text.count, invert)) }
        return pieces
    }

    private static func literalMatches(of needle: [Unicode.Scalar], in text: [Unicode.Scalar]) -> [Range<Int>] {
        guard !needle.isEmpty, text.count >= needle.count else { return [] }
        var ranges: [Range<Int>] = []
        var start = 0
        let first = needle[0]
        while start + needle.count <= text.count {
            if text[start] == first && text[start..<start + needle.count].elementsEqual(needle) {
                ranges.append(start..<start + needle.count)
                start += needle.count
            } else {
                start += 1
            }
        }
        return ranges
    }

    private static func regexMatches(_ regex: NSRegularExpression, in text: [Unicode.Scalar]) -> [Range<Int>] {
        // NSRegularExpression reports UTF-16 offsets; map them back to scalar indices.
        var scalarIndexForUTF16: [Int] = []
        scalarIndexForUTF16.reserveCapacity(text.count + 8)
        for (index, scalar) in text.enumerated() {
            scalarIndexForUTF16.append(index)
            if scalar.value > 0xFFFF { scalarIndexForUTF16.append(index) }
        }
        scalarIndexForUTF16.append(text.count)
        let string = text.asString
        let whole = NSRange(location: 0, length: scalarIndexForUTF16.count - 1)
        var ranges: [Range<Int>] = []
        var previousEnd = -1
        for result in regex.matches(in: string, options: [], range: whole) {
            let range = result.range
            guard range.location != NSNotFound else { continue }
            let lower = scalarIndexForUTF16[range.location]
            let upper = scalarIndexForUTF16[range.location + range.length]
            if lower == upper && lower == previousEnd { continue }
            ranges.append(lower..<upper)
            previousEnd = upper
        }
        return ranges
    }
}
