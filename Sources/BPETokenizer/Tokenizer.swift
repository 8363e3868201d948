import FileIO
import Foundation

/// A byte-level (or any BPE) tokenizer loaded from a Hugging Face `tokenizer.json`, giving the
/// same ids and text as the `tokenizers` library.
///
/// Supported: BPE models (merges as strings or pairs, `unk_token`, `byte_fallback`,
/// `ignore_merges`, subword prefix/suffix), added tokens (`special`, `lstrip`, `rstrip`,
/// `single_word`, `normalized`), the common normalizers, pre-tokenizers, post-processors and
/// decoders. Anything else makes loading throw `TokenizerError.unsupported`.
///
/// Immutable after loading and safe to share between tasks.
public final class Tokenizer: Sendable {
    private let model: BPEModel
    private let addedVocabulary: AddedVocabulary
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer?
    private let postProcessor: PostProcessor?
    private let decoder: TokenDecoder?
    private let addedTokenIDs: [ExactString: Int]
    private let addedTokenContent: [Int: String]
    /// Ids whose token text is the content of a special added token (what `tokenizers` skips).
    private let skippedWhenSkippingSpecial: Set<Int>
    private let byteTable: TokenByteTable?

    /// One more than the largest id in the vocabulary or the added tokens.
    public let vocabularySize: Int
    /// The ids of added tokens marked `special`.
    public let specialTokenIDs: Set<Int>

    /// The largest `tokenizer.json` read (Chameleon's is about 2 MB; the largest public ones
    /// are tens of megabytes).
    public static let maxFileBytes = 1 << 30

    /// Loads a `tokenizer.json` file.
    public convenience init(contentsOf url: URL) throws(TokenizerError) {
        let data: Data
        do {
            data = Data(try FileIO.read(url.path, limit: Self.maxFileBytes))
        } catch {
            throw .unreadable(path: url.path, reason: error.reason)
        }
        try self.init(data: data, path: url.path)
    }

    /// Loads a `tokenizer.json` held in memory; `path` names it in error messages.
    public init(data: Data, path: String) throws(TokenizerError) {
        let components = try TokenizerComponents.parse([UInt8](data), path: path)
        model = components.model
        normalizer = components.normalizer
        preTokenizer = components.preTokenizer
        postProcessor = components.postProcessor
        decoder = components.decoder
        addedVocabulary = AddedVocabulary(tokens: components.addedTokens, normalizer: components.normalizer)

        var addedTokenIDs: [ExactString: Int] = [:]
        var addedTokenContent: [Int: String] = [:]
        var specialTokenIDs: Set<Int> = []
        var specialContents: Set<ExactString> = []
        var largest = model.tokenForID.count - 1
        for token in components.addedTokens {
            let content = token.content.asString
            addedTokenIDs[ExactString(content)] = token.id
            // `tokenizers` maps the id of a normalized added token back to its normalized form
            // (which then also decides whether decoding skips it as special).
            if token.normalized, let normalizer = components.normalizer {
                addedTokenContent[token.id] = normalizer.normalize(token.content).asString
            } else {
                addedTokenContent[token.id] = content
            }
            largest = max(largest, token.id)
            if token.special {
                specialTokenIDs.insert(token.id)
                specialContents.insert(ExactString(content))
            }
        }
        self.addedTokenIDs = addedTokenIDs
        self.addedTokenContent = addedTokenContent
        self.specialTokenIDs = specialTokenIDs
        vocabularySize = largest + 1

        let model = self.model
        func tokenText(_ id: Int) -> String? {
            if let content = addedTokenContent[id] { return content }
            return id < model.tokenForID.count ? model.tokenForID[id] : nil
        }
        var skipped: Set<Int> = []
        for id in 0..<vocabularySize {
            if let text = tokenText(id), specialContents.contains(ExactString(text)) { skipped.insert(id) }
        }
        skippedWhenSkippingSpecial = skipped
        byteTable = TokenByteTable(decoder: components.decoder, vocabularySize: vocabularySize, token: tokenText)
    }

    // MARK: - Vocabulary

    /// The id of a token's vocabulary string (added tokens first, as `tokenizers` does).
    public func id(forToken token: String) -> Int? {
        addedTokenIDs[ExactString(token)] ?? model.vocabulary[ExactString(token)]
    }

    /// The vocabulary string of an id (added tokens first; a normalized added token gives its
    /// normalized form, as `tokenizers` does).
    public func token(forID id: Int) -> String? {
        if let content = addedTokenContent[id] { return content }
        guard id >= 0 && id < model.tokenForID.count else { return nil }
        return model.tokenForID[id]
    }

    // MARK: - Encoding

    /// The ids of `text`; with `addSpecialTokens` the post-processor adds its tokens (e.g. `<s>`).
    /// With `specialTokensAsText`, a special token's string in `text` (`<racm3:break>`, `</s>`)
    /// is encoded as the text it is rather than as the token (`tokenizers`' `encode_special_tokens`,
    /// transformers' `split_special_tokens`): what a person typed can then never begin a picture
    /// or end a turn.
    public func encode(_ text: String, addSpecialTokens: Bool = true, specialTokensAsText: Bool = false) -> [Int] {
        let segments = addedVocabulary.extractAndNormalize(Array(text.unicodeScalars), normalizer: normalizer,
                                                           specialAsText: specialTokensAsText)
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        for segment in segments {
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let piece):
                guard let preTokenizer else {
                    ids += model.tokenize(piece.scalars)
                    continue
                }
                for word in preTokenizer.preTokenize([piece]) {
                    ids += model.tokenize(word.scalars)
                }
            }
        }
        return postProcessor?.process(ids, addSpecialTokens: addSpecialTokens) ?? ids
    }

    // MARK: - Decoding

    /// Whether an id takes part in decoding: known, and not skipped as special.
    @inline(__always)
    func isDecoded(_ id: Int, skipSpecialTokens: Bool) -> Bool {
        guard id >= 0 && id < vocabularySize && token(forID: id) != nil else { return false }
        return !(skipSpecialTokens && skippedWhenSkippingSpecial.contains(id))
    }

    /// The text of `ids`. Unknown ids are ignored; with `skipSpecialTokens`, special tokens too.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        if let byteTable {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(ids.count * 4)
            for id in ids where isDecoded(id, skipSpecialTokens: skipSpecialTokens) {
                bytes += byteTable.bytes(for: id)
            }
            return UTF8Repair.decodeLossy(bytes).asString
        }
        var tokens: [[Unicode.Scalar]] = []
        tokens.reserveCapacity(ids.count)
        for id in ids where isDecoded(id, skipSpecialTokens: skipSpecialTokens) {
            if let text = token(forID: id) { tokens.append(Array(text.unicodeScalars)) }
        }
        guard let decoder else {
            return tokens.map(\.asString).joined(separator: " ")
        }
        return decoder.decodeChain(tokens).flatMap { $0 }.asString
    }

    /// Whether decoding is a plain concatenation of per-token bytes (true for ByteLevel
    /// decoders). Then `decodedBytes(forID:)` is available and streaming is exact and cheap.
    public var decodesBytewise: Bool { byteTable != nil }

    /// The bytes `id` contributes to decoded text, when `decodesBytewise`; nil otherwise or for
    /// an unknown id. A single token may hold part of a UTF-8 character.
    public func decodedBytes(forID id: Int) -> [UInt8]? {
        guard let byteTable, id >= 0, id < vocabularySize, token(forID: id) != nil else { return nil }
        return Array(byteTable.bytes(for: id))
    }
}
