/// A `tokenizer.json` decoder: turns the token strings of a sequence back into text.
///
/// Each case is `tokenizers`' `decode_chain`: a list of strings in, a list of strings out; the
/// final text is the concatenation.
indirect enum TokenDecoder: Sendable {
    case byteLevel
    case replace(TextPattern, with: [Unicode.Scalar])
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case metaspace(replacement: Unicode.Scalar, scheme: PrependScheme)
    case sequence([TokenDecoder])

    static func parse(_ field: JSONField) throws(TokenizerError) -> TokenDecoder {
        let type = try field.typeTag()
        switch type {
        case "ByteLevel":
            return .byteLevel
        case "Replace":
            let pattern = try TextPattern.parse(try field.requiredMember("pattern"))
            return .replace(pattern, with: Array(try field.requiredMember("content").string().unicodeScalars))
        case "ByteFallback":
            return .byteFallback
        case "Fuse":
            return .fuse
        case "Strip":
            let start = try field.int("start", default: 0)
            let stop = try field.int("stop", default: 0)
            guard start >= 0, stop >= 0 else { throw field.malformed("negative strip count") }
            return .strip(content: try field.scalar("content"), start: start, stop: stop)
        case "Metaspace":
            return .metaspace(replacement: try field.scalar("replacement"), scheme: try PrependScheme.parse(field))
        case "Sequence":
            var steps: [TokenDecoder] = []
            for step in try field.requiredMember("decoders").array() { steps.append(try parse(step)) }
            return .sequence(steps)
        default:
            throw field.unsupported("decoder type '\(type)'")
        }
    }

    func decodeChain(_ tokens: [[Unicode.Scalar]]) -> [[Unicode.Scalar]] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens { bytes += ByteLevelAlphabet.decodeToken(token) }
            return [UTF8Repair.decodeLossy(bytes)]
        case .replace(let pattern, let content):
            return tokens.map { Normalizer.replace(pattern, with: content, in: $0) }
        case .byteFallback:
            return Self.byteFallback(tokens)
        case .fuse:
            return [tokens.flatMap { $0 }]
        case .strip(let content, let start, let stop):
            return tokens.map { Self.strip($0, content: content, start: start, stop: stop) }
        case .metaspace(let replacement, let scheme):
            return tokens.enumerated().map { index, token in
                if index == 0 && scheme != .never {
                    return token.filter { $0 != replacement }
                }
                return token.map { $0 == replacement ? " " : $0 }
            }
        case .sequence(let steps):
            var current = tokens
            for step in steps { current = step.decodeChain(current) }
            return current
        }
    }

    /// The byte a `<0xAB>` token stands for.
    static func fallbackByte(_ token: [Unicode.Scalar]) -> UInt8? {
        guard token.count == 6, token[0] == "<", token[1] == "0", token[2] == "x", token[5] == ">" else { return nil }
        guard let high = hexValue(token[3]), let low = hexValue(token[4]) else { return nil }
        return high << 4 | low
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        default: nil
        }
    }

    /// Runs of `<0xAB>` tokens become their UTF-8 text, or one U+FFFD per byte when invalid.
    private static func byteFallback(_ tokens: [[Unicode.Scalar]]) -> [[Unicode.Scalar]] {
        var result: [[Unicode.Scalar]] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if let text = String(validating: pending, as: UTF8.self) {
                result.append(Array(text.unicodeScalars))
            } else {
                for _ in pending { result.append(["\u{FFFD}"]) }
            }
            pending.removeAll()
        }
        for token in tokens {
            if let byte = fallbackByte(token) {
                pending.append(byte)
            } else {
                flush()
                result.append(token)
            }
        }
        flush()
        return result
    }

    private static func strip(_ token: [Unicode.Scalar], content: Unicode.Scalar, start: Int, stop: Int) -> [Unicode.Scalar] {
        var lower = 0
        while lower < min(start, token.count), token[lower] == content { lower += 1 }
        var upper = token.count
        var removed = 0
        while removed < stop, upper > lower, token[upper - 1] == content {
            upper -= 1
            removed += 1
        }
        return Array(token[lower..<upper])
    }

    /// Element-local steps may run per token; `ByteLevel` then makes the whole decoder a plain
    /// concatenation of per-token bytes, which `decodedBytes(forID:)` and streaming rely on.
    /// Returns the steps to run on each token before the byte mapping, or nil when the decoder
    /// is not of that shape.
    var perTokenStepsBeforeByteLevel: [TokenDecoder]? {
        var flat: [TokenDecoder] = []
        func flatten(_ decoder: TokenDecoder) {
            if case .sequence(let steps) = decoder { steps.forEach(flatten) } else { flat.append(decoder) }
        }
        flatten(self)
        guard let byteLevelIndex = flat.firstIndex(where: { if case .byteLevel = $0 { true } else { false } }) else {
            return nil
        }
        for step in flat[..<byteLevelIndex] {
            switch step {
            case .replace, .strip: continue
            default: return nil
            }
        }
        for step in flat[(byteLevelIndex + 1)...] {
            guard case .fuse = step else { return nil }
        }
        return Array(flat[..<byteLevelIndex])
    }
}
