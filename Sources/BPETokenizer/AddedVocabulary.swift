/// One entry of `added_tokens`.
struct AddedToken: Sendable {
    let id: Int
    let content: [Unicode.Scalar]
    let singleWord: Bool
    let leftStrip: Bool
    let rightStrip: Bool
    let normalized: Bool
    let special: Bool

    init(_ field: JSONField) throws(TokenizerError) {
        id = try field.requiredMember("id").int()
        guard id >= 0 && id < BPEModel.maximumID else { throw field.malformed("token id \(id) is out of range") }
        content = Array(try field.requiredMember("content").string().unicodeScalars)
        singleWord = try field.bool("single_word", default: false)
        leftStrip = try field.bool("lstrip", default: false)
        rightStrip = try field.bool("rstrip", default: false)
        special = try field.bool("special", default: false)
        normalized = try field.bool("normalized", default: !special)
    }
}

/// A piece of the input after added tokens are cut out: either an added token's id or text.
enum Segment {
    case token(Int)
    case text(PreToken)
}

/// Finds added tokens in text the way `tokenizers`' `AddedVocabulary` does: leftmost-longest
/// matching over the raw text for tokens with `normalized: false`, then over each normalized
/// stretch for tokens with `normalized: true`, honouring `single_word`, `lstrip` and `rstrip`.
struct AddedVocabulary: Sendable {
    let tokens: [AddedToken]
    private let rawMatcher: TokenTrie
    private let normalizedMatcher: TokenTrie

    init(tokens: [AddedToken], normalizer: Normalizer?) {
        self.tokens = tokens
        // `tokenizers` lists special tokens first, then the others, each in file order.
        let ordered = tokens.indices.filter { tokens[$0].special } + tokens.indices.filter { !tokens[$0].special }
        var raw = TokenTrie()
        var normalized = TokenTrie()
        for index in ordered where !tokens[index].content.isEmpty {
            let token = tokens[index]
            if token.normalized {
                let pattern = normalizer?.normalize(token.content) ?? token.content
                normalized.insert(pattern, tokenIndex: index)
            } else {
                raw.insert(token.content, tokenIndex: index)
            }
        }
        rawMatcher = raw
        normalizedMatcher = normalized
    }

    /// Cuts added tokens out of `text`, normalizing the stretches between them. With
    /// `specialAsText`, special added tokens are not cut out but left to the model as text (as
    /// `tokenizers` does with `encode_special_tokens`).
    func extractAndNormalize(_ text: [Unicode.Scalar], normalizer: Normalizer?,
                             specialAsText: Bool = false) -> [Segment] {
        var segments: [Segment] = []
        for segment in split(PreToken(scalars: text, startsInput: true), using: rawMatcher, specialAsText: specialAsText) {
            guard case .text(var piece) = segment else {
                segments.append(segment)
                continue
            }
            if let normalizer { piece = normalizer.normalize(piece) }
            if piece.scalars.isEmpty { continue }
            segments.append(contentsOf: split(piece, using: normalizedMatcher, specialAsText: specialAsText))
        }
        return segments
    }

    /// `find_matches` followed by slicing; empty text pieces are dropped.
    private func split(_ piece: PreToken, using matcher: TokenTrie, specialAsText: Bool) -> [Segment] {
        let sentence = piece.scalars
        if matcher.isEmpty || sentence.isEmpty {
            return sentence.isEmpty ? [] : [.text(piece)]
        }
        var segments: [Segment] = []
        var startOffset = 0
        func appendText(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            segments.append(.text(PreToken(scalars: Array(sentence[range]),
                                           startsInput: piece.startsInput && range.lowerBound == 0)))
        }
        for match in matcher.leftmostLongestMatches(in: sentence) {
            let token = tokens[match.tokenIndex]
            if specialAsText && token.special { continue }
            var start = match.range.lowerBound
            var stop = match.range.upperBound
            if token.singleWord {
                let startIsBoundary = start == 0 || !UnicodeClasses.isRegexWordCharacter(sentence[start - 1])
                let stopIsBoundary = stop == sentence.count || !UnicodeClasses.isRegexWordCharacter(sentence[stop])
                if !startIsBoundary || !stopIsBoundary { continue }
            }
            if token.leftStrip {
                var newStart = start
                while newStart > 0, UnicodeClasses.isWhitespace(sentence[newStart - 1]) { newStart -= 1 }
                start = max(newStart, startOffset)
            }
            if token.rightStrip {
                while stop < sentence.count, UnicodeClasses.isWhitespace(sentence[stop]) { stop += 1 }
            }
            if startOffset < start { appendText(startOffset..<start) }
            segments.append(.token(token.id))
            startOffset = stop
        }
        if startOffset < sentence.count { appendText(startOffset..<sentence.count) }
        return segments
    }
}

/// A trie over Unicode scalars for leftmost-longest, non-overlapping matching.
struct TokenTrie: Sendable {
    /// Edge `(node, scalar)` → child node, keyed as `node << 21 | scalar`.
    private var edges: [UInt64: Int32] = [:]
    /// For each node, the token index that ends there, or -1.
    private var terminal: [Int32] = [-1]

    var isEmpty: Bool { edges.isEmpty }

    @inline(__always)
    private static func key(_ node: Int32, _ scalar: Unicode.Scalar) -> UInt64 {
        UInt64(node) << 21 | UInt64(scalar.value)
    }

    /// Adds a pattern; when two tokens share a pattern the first one added wins.
    mutating func insert(_ pattern: [Unicode.Scalar], tokenIndex: Int) {
        guard !pattern.isEmpty else { return }
        var node: Int32 = 0
        for scalar in pattern {
            let key = Self.key(node, scalar)
            if let child = edges[key] {
                node = child
            } else {
                let child = Int32(terminal.count)
                terminal.append(-1)
                edges[key] = child
                node = child
            }
        }
        if terminal[Int(node)] < 0 { terminal[Int(node)] = Int32(tokenIndex) }
    }

    /// Non-overlapping matches, scanning left to right; at each start the longest pattern wins.
    func leftmostLongestMatches(in text: [Unicode.Scalar]) -> [(range: Range<Int>, tokenIndex: Int)] {
        var matches: [(range: Range<Int>, tokenIndex: Int)] = []
        var start = 0
        while start < text.count {
            var node: Int32 = 0
            var position = start
            var best: (end: Int, tokenIndex: Int)?
            while position < text.count, let child = edges[Self.key(node, text[position])] {
                node = child
                position += 1
                let tokenIndex = terminal[Int(node)]
                if tokenIndex >= 0 { best = (position, Int(tokenIndex)) }
            }
            if let best {
                matches.append((start..<best.end, best.tokenIndex))
                start = best.end
            } else {
                start += 1
            }
        }
        return matches
    }
}
