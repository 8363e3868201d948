/// Turns generated ids into text as they arrive, never emitting half a character.
///
/// The outputs of `append(_:)` followed by `flush()` concatenate to
/// `tokenizer.decode(allIDs, skipSpecialTokens:)`.
///
/// For byte-wise decoders (ByteLevel, the Chameleon case) it keeps only the bytes of an
/// unfinished UTF-8 character, so each step costs O(bytes of the token). For other decoders it
/// decodes everything since the start and emits the new suffix, holding back a trailing U+FFFD
/// that more bytes may still complete; that is exact whenever decoding a longer sequence extends
/// the text of a shorter one, which holds for the supported SentencePiece-style decoders except
/// for byte-fallback runs that stay invalid UTF-8.
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: Tokenizer
    private let skipSpecialTokens: Bool
    /// Byte-wise mode: bytes of an incomplete trailing character.
    private var pendingBytes: [UInt8] = []
    /// General mode: every id so far and the scalars already emitted.
    private var ids: [Int] = []
    private var emitted: [Unicode.Scalar] = []

    public init(tokenizer: Tokenizer, skipSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// Adds one id and returns the text that is now complete (possibly empty).
    public mutating func append(_ id: Int) -> String {
        if tokenizer.decodesBytewise {
            guard tokenizer.isDecoded(id, skipSpecialTokens: skipSpecialTokens),
                  let bytes = tokenizer.decodedBytes(forID: id) else { return "" }
            pendingBytes += bytes
            var output: [Unicode.Scalar] = []
            let consumed = UTF8Repair.decode(pendingBytes, isFinal: false, into: &output)
            pendingBytes.removeFirst(consumed)
            return output.asString
        }
        ids.append(id)
        let text = Array(tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens).unicodeScalars)
        var stable = text.count
        while stable > emitted.count, text[stable - 1] == "\u{FFFD}" { stable -= 1 }
        return emitSuffix(of: text, upTo: stable)
    }

    /// Returns whatever is still held back (an unfinished character becomes U+FFFD) and resets.
    public mutating func flush() -> String {
        if tokenizer.decodesBytewise {
            let output = UTF8Repair.decodeLossy(pendingBytes)
            pendingBytes.removeAll()
            return output.asString
        }
        let text = Array(tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens).unicodeScalars)
        let rest = emitSuffix(of: text, upTo: text.count)
        ids.removeAll()
        emitted.removeAll()
        return rest
    }

    /// Emits `text[emitted.count..<end]` when `text` still begins with what was emitted.
    private mutating func emitSuffix(of text: [Unicode.Scalar], upTo end: Int) -> String {
        guard end > emitted.count, text.starts(with: emitted) else { return "" }
        let fresh = text[emitted.count..<end]
        emitted += fresh
        return fresh.asString
    }
}
