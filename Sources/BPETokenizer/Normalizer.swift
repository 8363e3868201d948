import Foundation

/// A `tokenizer.json` normalizer: rewrites text before pre-tokenization.
///
/// Applied to each stretch of text between added tokens, as `tokenizers` does.
indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case stripAccents
    case strip(left: Bool, right: Bool)
    case prepend([Unicode.Scalar])
    case replace(TextPattern, with: [Unicode.Scalar])
    case byteLevel
    case sequence([Normalizer])

    static func parse(_ field: JSONField) throws(TokenizerError) -> Normalizer {
        let type = try field.typeTag()
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Strip":
            return .strip(left: try field.bool("strip_left", default: true),
                          right: try field.bool("strip_right", default: true))
        case "Prepend":
            return .prepend(Array(try field.requiredMember("prepend").string().unicodeScalars))
        case "Replace":
            let pattern = try TextPattern.parse(try field.requiredMember("pattern"))
            let content = Array(try field.requiredMember("content").string().unicodeScalars)
            return .replace(pattern, with: content)
        case "ByteLevel":
            return .byteLevel
        case "Sequence":
            let steps = try field.requiredMember("normalizers").array()
            var parsed: [Normalizer] = []
            for step in steps { parsed.append(try parse(step)) }
            return .sequence(parsed)
        default:
            throw field.unsupported("normalizer type '\(type)'")
        }
    }

    /// Normalizes a piece and tracks whether its first character still comes from the start of
    /// the input (what Metaspace's `first` scheme checks via original offsets): true unless a
    /// step deletes the first character (Strip, StripAccents, or a Replace with empty content).
    func normalize(_ piece: PreToken) -> PreToken {
        var result = piece
        for step in flattened {
            let before = result.scalars
            result.scalars = step.normalize(before)
            if result.startsInput && step.deletesFirstCharacter(of: before) { result.startsInput = false }
        }
        return result
    }

    private var flattened: [Normalizer] {
        guard case .sequence(let steps) = self else { return [self] }
        return steps.flatMap(\.flattened)
    }

    private func deletesFirstCharacter(of text: [Unicode.Scalar]) -> Bool {
        guard let first = text.first else { return false }
        switch self {
        case .strip(let left, _): return left && UnicodeClasses.isWhitespace(first)
        case .stripAccents: return UnicodeClasses.isCombiningMark(first)
        case .replace(let pattern, let content):
            return content.isEmpty && pattern.matchRanges(in: text).first.map { $0.lowerBound == 0 && !$0.isEmpty } == true
        default: return false
        }
    }

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch self {
        case .nfc: return Array(text.asString.precomposedStringWithCanonicalMapping.unicodeScalars)
        case .nfd: return Array(text.asString.decomposedStringWithCanonicalMapping.unicodeScalars)
        case .nfkc: return Array(text.asString.precomposedStringWithCompatibilityMapping.unicodeScalars)
        case .nfkd: return Array(text.asString.decomposedStringWithCompatibilityMapping.unicodeScalars)
        case .lowercase:
            // Per scalar, like Rust's `char::to_lowercase` (no final-sigma context).
            var result: [Unicode.Scalar] = []
            result.reserveCapacity(text.count)
            for scalar in text {
                if scalar.isASCII {
                    let value = scalar.value
                    result.append((0x41...0x5A).contains(value) ? Unicode.Scalar(value + 32)! : scalar)
                } else {
                    result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            return result
        case .stripAccents:
            return text.filter { !UnicodeClasses.isCombiningMark($0) }
        case .strip(let left, let right):
            var lower = 0
            var upper = text.count
            if left { while lower < upper, UnicodeClasses.isWhitespace(text[lower]) { lower += 1 } }
            if right { while upper > lower, UnicodeClasses.isWhitespace(text[upper - 1]) { upper -= 1 } }
            return Array(text[lower..<upper])
        case .prepend(let prefix):
            return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content):
            return Self.replace(pattern, with: content, in: text)
        case .byteLevel:
            return ByteLevelAlphabet.encode(text)
        case .sequence(let steps):
            var current = text
            for step in steps { current = step.normalize(current) }
            return current
        }
    }

    /// Replaces every match of `pattern` with `content` (taken literally).
    static func replace(_ pattern: TextPattern, with content: [Unicode.Scalar], in text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let matches = pattern.matchRanges(in: text)
        if matches.isEmpty { return text }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var previous = 0
        for match in matches {
            result.append(contentsOf: text[previous..<match.lowerBound])
            result.append(contentsOf: content)
            previous = match.upperBound
        }
        result.append(contentsOf: text[previous...])
        return result
    }
}
