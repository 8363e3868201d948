/// Everything a `tokenizer.json` describes, parsed and checked, before `Tokenizer` derives its
/// lookup tables from it.
struct TokenizerComponents: Sendable {
    let model: BPEModel
    let addedTokens: [AddedToken]
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor?
    let decoder: TokenDecoder?

    /// Parses the bytes of a `tokenizer.json`; `path` is only used in error messages.
    static func parse(_ bytes: [UInt8], path: String) throws(TokenizerError) -> TokenizerComponents {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .malformed(path: path, reason: "invalid JSON at byte \(error.offset): \(error.reason)")
        }
        let root = JSONField(value: value, path: "", file: path)
        guard case .object = value else { throw root.malformed("the top level is not a JSON object") }

        if let truncation = try root.member("truncation") {
            throw truncation.unsupported("truncation settings (must be null)")
        }
        if let padding = try root.member("padding") {
            throw padding.unsupported("padding settings (must be null)")
        }

        let model = try BPEModel(try root.requiredMember("model"))
        var addedTokens: [AddedToken] = []
        if let list = try root.member("added_tokens") {
            for entry in try list.array() { addedTokens.append(try AddedToken(entry)) }
        }
        let normalizer = try root.member("normalizer").map { (field) throws(TokenizerError) in
            let normalizer = try Normalizer.parse(field)
            guard normalizer.worstCaseGrowth <= TextGrowth.maxFactor else {
                throw field.unsupported("a normalizer that can make a text more than \(Int(TextGrowth.maxFactor)) times longer")
            }
            return normalizer
        }
        let preTokenizer = try root.member("pre_tokenizer").map { (field) throws(TokenizerError) in
            try PreTokenizer.parse(field)
        }
        let postProcessor = try root.member("post_processor").map { (field) throws(TokenizerError) in
            try PostProcessor.parse(field)
        }
        let decoder = try root.member("decoder").map { (field) throws(TokenizerError) in
            let decoder = try TokenDecoder.parse(field)
            guard decoder.worstCaseGrowth <= TextGrowth.maxFactor else {
                throw field.unsupported("a decoder that can make a token's text more than \(Int(TextGrowth.maxFactor)) times longer")
            }
            return decoder
        }
        return TokenizerComponents(model: model, addedTokens: addedTokens, normalizer: normalizer,
                                   preTokenizer: preTokenizer, postProcessor: postProcessor, decoder: decoder)
    }
}

/// The bytes each id contributes to decoded text, for decoders that are a plain concatenation of
/// per-token bytes (ByteLevel, optionally after per-token Replace/Strip, optionally followed by
/// Fuse). Stored flat: the bytes of id `i` are `bytes[offsets[i]..<offsets[i + 1]]`.
struct TokenByteTable: Sendable {
    private let offsets: [Int32]
    private let bytes: [UInt8]
    /// The most bytes the table holds (real vocabularies need a few megabytes); offsets are Int32.
    static let maxBytes = 256 << 20

    init?(decoder: TokenDecoder?, vocabularySize: Int, token: (Int) -> String?, maxBytes: Int = Self.maxBytes) {
        guard let steps = decoder?.perTokenStepsBeforeByteLevel else { return nil }
        var offsets: [Int32] = [0]
        var bytes: [UInt8] = []
        offsets.reserveCapacity(vocabularySize + 1)
        bytes.reserveCapacity(vocabularySize * 4)
        for id in 0..<vocabularySize {
            if let text = token(id) {
                var pieces = [Array(text.unicodeScalars)]
                for step in steps { pieces = step.decodeChain(pieces) }
                for piece in pieces { bytes += ByteLevelAlphabet.decodeToken(piece) }
                // A decoder whose Replace steps blow every token up (a hostile tokenizer.json)
                // gets no table: decoding then runs the steps per call, as for other decoders.
                guard bytes.count <= maxBytes else { return nil }
            }
            offsets.append(Int32(bytes.count))
        }
        self.offsets = offsets
        self.bytes = bytes
    }

    @inline(__always)
    func bytes(for id: Int) -> ArraySlice<UInt8> {
        bytes[Int(offsets[id])..<Int(offsets[id + 1])]
    }
}
