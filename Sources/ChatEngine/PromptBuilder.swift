import BPETokenizer
import ChameleonModel

/// Turns messages into token ids following a `ConversationFormat`.
public struct PromptBuilder: Sendable {
    public let tokenizer: Tokenizer
    public let format: ConversationFormat
    public let vocabulary: ChameleonVocabulary
    /// Ids of the tokens that end an assistant turn.
    public let stopTokenIDs: Set<Int>

    public init(tokenizer: Tokenizer, format: ConversationFormat, vocabulary: ChameleonVocabulary) throws {
        self.tokenizer = tokenizer
        self.format = format
        self.vocabulary = vocabulary
        var stops = Set<Int>()
        for name in format.stop {
            guard let id = tokenizer.id(forToken: name) else {
                throw ConversationFormatError(path: ConversationFormat.fileName, reason: "stop token \"\(name)\" is not in the vocabulary")
            }
            stops.insert(id)
        }
        stopTokenIDs = stops
    }

    /// Ids of a format piece, which may name special tokens.
    public func piece(_ text: String) -> [Int] {
        text.isEmpty ? [] : tokenizer.encode(text, addSpecialTokens: false)
    }

    /// The start of every conversation.
    public func beginning() -> [Int] { piece(format.begin) }

    /// A whole message: prefix, segments, suffix. `specialTokensAsText: false` gives the
    /// encoding of builds before typed special-token strings became text (their sessions
    /// hold it); the engine itself never uses it.
    public func ids(for message: ChatMessage, specialTokensAsText: Bool = true) -> [Int] {
        let pieces = message.role == .user ? format.user : format.assistant
        return piece(pieces.prefix) + segmentIDs(message.segments, specialTokensAsText: specialTokensAsText) + piece(pieces.suffix)
    }

    /// What goes before the model's reply: the assistant prefix.
    public func replyOpening() -> [Int] { piece(format.assistant.prefix) }

    /// What closes a reply the model did not close itself (it was stopped or ran out of tokens).
    public func replyClosing() -> [Int] { piece(format.assistant.suffix) }

    /// Segments without the turn's prefix and suffix.
    public func segmentIDs(_ segments: [MessageSegment], specialTokensAsText: Bool = true) -> [Int] {
        var ids: [Int] = []
        for segment in segments {
            switch segment {
            case .text(let text):
                // A message's text is text: "<racm3:break>" typed (or written by the model) must
                // not begin a picture or end a turn.
                ids += tokenizer.encode(text, addSpecialTokens: false, specialTokensAsText: specialTokensAsText)
            case .picture(let codes):
                ids.append(vocabulary.beginImage)
                ids += codes.map { vocabulary.imageTokenIDs[$0] }
                ids.append(vocabulary.endImage)
            }
        }
        return ids
    }
}
