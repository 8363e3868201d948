/// A piece of text on its way to the model.
struct PreToken: Sendable {
    var scalars: [Unicode.Scalar]
    /// Whether the piece begins at the very start of the encoded input (Metaspace's `first`
    /// prepend scheme looks at this).
    var startsInput: Bool
}

/// How Metaspace decides whether to put a replacement character in front of a piece.
enum PrependScheme: Sendable, Equatable {
    case always, first, never

    /// Reads `prepend_scheme`, or the older boolean `add_prefix_space`.
    static func parse(_ field: JSONField) throws(TokenizerError) -> PrependScheme {
        if let scheme = try field.member("prepend_scheme") {
            switch try scheme.string() {
            case "always": return .always
            case "first": return .first
            case "never": return .never
            case let other: throw scheme.malformed("unknown prepend scheme '\(other)'")
            }
        }
        return try field.bool("add_prefix_space", default: true) ? .always : .never
    }
}

/// A `tokenizer.json` pre-tokenizer: cuts normalized text into the words the model sees.
indirect enum PreTokenizer: Sendable {
    case split(TextPattern, SplitBehavior, invert: Bool)
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    /// `Whitespace`: runs of `\w` and runs of other non-space characters; spaces removed.
    case whitespace
    case metaspace(replacement: Unicode.Scalar, scheme: PrependScheme, split: Bool)
    case sequence([PreTokenizer])

    /// The regex GPT-2 splits with, used by `ByteLevel` when `use_regex` is true.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    static func parse(_ field: JSONField) throws(TokenizerError) -> PreTokenizer {
        let type = try field.typeTag()
        switch type {
        case "Split":
            let pattern = try TextPattern.parse(try field.requiredMember("pattern"))
            let behavior = try SplitBehavior.parse(try field.requiredMember("behavior"))
            return .split(pattern, behavior, invert: try field.bool("invert", default: false))
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try field.bool("add_prefix_space", default: true),
                              useRegex: try field.bool("use_regex", default: true))
        case "Whitespace":
            return .whitespace
        case "WhitespaceSplit":
            return .split(.predicate(.whitespace), .removed, invert: false)
        case "Digits":
            let individual = try field.bool("individual_digits", default: false)
            return .split(.predicate(.numeric), individual ? .isolated : .contiguous, invert: false)
        case "Punctuation":
            var behavior = SplitBehavior.isolated
            if let behaviorField = try field.member("behavior") { behavior = try SplitBehavior.parse(behaviorField) }
            return .split(.predicate(.punctuation), behavior, invert: false)
        case "CharDelimiterSplit":
            return .split(.predicate(.equal(try field.scalar("delimiter"))), .removed, invert: false)
        case "BertPreTokenizer":
            return .sequence([.split(.predicate(.whitespace), .removed, invert: false),
                              .split(.predicate(.punctuation), .isolated, invert: false)])
        case "Metaspace":
            return .metaspace(replacement: try field.scalar("replacement"),
                              scheme: try PrependScheme.parse(field),
                              split: try field.bool("split", default: true))
        case "Sequence":
            var steps: [PreTokenizer] = []
            for step in try field.requiredMember("pretokenizers").array() { steps.append(try parse(step)) }
            return .sequence(steps)
        default:
            throw field.unsupported("pre-tokenizer type '\(type)'")
        }
    }

    /// Compiled once; `gpt2Pattern` is a fixed, valid pattern.
    static let gpt2Regex: TextPattern = {
        let field = JSONField(value: .null, path: "", file: "<built-in>")
        guard let pattern = try? TextPattern.oniguruma(gpt2Pattern, field: field) else {
            fatalError("the built-in GPT-2 regex failed to compile")
        }
        return pattern
    }()

    func preTokenize(_ pieces: [PreToken]) -> [PreToken] {
        switch self {
        case .sequence(let steps):
            var current = pieces
            for step in steps { current = step.preTokenize(current) }
            return current
        case .split(let pattern, let behavior, let invert):
            return Self.splitEach(pieces) { text in
                behavior.keptRanges(pattern.findMatches(in: text, invert: invert))
            }
        case .whitespace:
            return Self.splitEach(pieces) { Self.whitespaceWords(in: $0) }
        case .byteLevel(let addPrefixSpace, let useRegex):
            var result: [PreToken] = []
            for var piece in pieces {
                if addPrefixSpace && piece.scalars.first != " " {
                    piece.scalars.insert(" ", at: 0)
                }
                let parts = useRegex
                    ? Self.splitEach([piece]) { PreTokenizer.gpt2Regex.findMatches(in: $0).map(\.range) }
                    : (piece.scalars.isEmpty ? [] : [piece])
                for var part in parts {
                    part.scalars = ByteLevelAlphabet.encode(part.scalars)
                    result.append(part)
                }
            }
            return result
        case .metaspace(let replacement, let scheme, let split):
            var rewritten: [PreToken] = []
            for var piece in pieces {
                piece.scalars = piece.scalars.map { $0 == " " ? replacement : $0 }
                let shouldPrepend: Bool
                switch scheme {
                case .always: shouldPrepend = piece.scalars.first != replacement
                case .first: shouldPrepend = piece.scalars.first != replacement && piece.startsInput
                case .never: shouldPrepend = false
                }
                if shouldPrepend { piece.scalars.insert(replacement, at: 0) }
                rewritten.append(piece)
            }
            guard split else { return rewritten.filter { !$0.scalars.isEmpty } }
            let pattern = TextPattern.predicate(.equal(replacement))
            return Self.splitEach(rewritten) { SplitBehavior.mergedWithNext.keptRanges(pattern.findMatches(in: $0)) }
        }
    }

    /// Replaces each piece by the non-empty sub-ranges `ranges` picks out of it.
    private static func splitEach(_ pieces: [PreToken], _ ranges: ([Unicode.Scalar]) -> [Range<Int>]) -> [PreToken] {
        var result: [PreToken] = []
        result.reserveCapacity(pieces.count)
        for piece in pieces {
            for range in ranges(piece.scalars) where !range.isEmpty {
                result.append(PreToken(scalars: Array(piece.scalars[range]),
                                       startsInput: piece.startsInput && range.lowerBound == 0))
            }
        }
        return result
    }

    /// The `\w+|[^\w\s]+` matches of the Whitespace pre-tokenizer (Rust `regex` classes).
    private static func whitespaceWords(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var index = 0
        while index < text.count {
            let scalar = text[index]
            if UnicodeClasses.isRegexWordCharacter(scalar) {
                let start = index
                while index < text.count, UnicodeClasses.isRegexWordCharacter(text[index]) { index += 1 }
                ranges.append(start..<index)
            } else if !UnicodeClasses.isWhitespace(scalar) {
                let start = index
                while index < text.count, !UnicodeClasses.isRegexWordCharacter(text[index]),
                      !UnicodeClasses.isWhitespace(text[index]) {
                    index += 1
                }
                ranges.append(start..<index)
            } else {
                index += 1
            }
        }
        return ranges
    }
}
