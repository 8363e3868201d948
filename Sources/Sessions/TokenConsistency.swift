import BPETokenizer
import ChameleonModel
import ChatEngine

/// Checks that a turn's stored token ids say what its stored text and pictures say, the way the
/// engine produced them:
/// - the beginning and user turns are exactly the prompt builder's encoding;
/// - an assistant turn is the assistant prefix, then text and pictures (begin-image, the
///   picture's codes, end-image), then a stop token or the closing the engine adds; its text is
///   what the engine's streaming detokenizer made of those ids. A turn the engine re-encoded
///   after dropping old turns (the builder's encoding) is accepted too.
///
/// In `free` mode the model is unconstrained, so assistant turns are only range-checked.
///
/// A user turn saved by a build that read typed special-token strings ("<racm3:break>") as
/// special tokens is accepted as well, and reported, so that its ids are re-encoded as text.
struct TokenConsistency {
    /// What a turn's check found.
    enum Verdict {
        /// The ids are what the engine would have made of the turn.
        case consistent
        /// A user turn encoded as builds before a9e8f35 did: typed special-token strings as
        /// special tokens. `reencoded` is the turn as the engine encodes it now.
        case typedSpecialTokensAsTokens(reencoded: [Int])
    }

    let builder: PromptBuilder
    let codesPerPicture: Int
    let path: String

    func checkBeginning(_ ids: [Int]) throws(SessionError) {
        let expected = builder.beginning()
        guard ids == expected else {
            throw .inconsistentTokens(path: path, turn: -1, reason: "beginning_token_ids are \(ids), but this model's conversation format begins with \(expected)")
        }
    }

    /// Validates turn `index`; its codes must already be within the codebook.
    func check(_ turn: SessionManifest.Turn, index: Int, mode: GenerationMode) throws(SessionError) -> Verdict {
        let message = turn.chatMessage
        let encoded = builder.ids(for: message)
        if turn.tokenIDs == encoded { return .consistent }
        guard turn.role == .assistant else {
            if turn.tokenIDs == builder.ids(for: message, specialTokensAsText: false) { return .typedSpecialTokensAsTokens(reencoded: encoded) }
            throw .inconsistentTokens(path: path, turn: index, reason: "a user turn's ids must be its text and pictures as the model's tokenizer encodes them")
        }
        if mode == .free { return .consistent }
        let found = try segments(ofReply: turn.tokenIDs, index: index)
        guard found.count == turn.segments.count else {
            throw .inconsistentTokens(path: path, turn: index, reason: "the ids hold \(found.count) segment(s) of text and pictures, the turn \(turn.segments.count)")
        }
        for (s, (stored, fromIDs)) in zip(turn.segments, found).enumerated() {
            let same: Bool = switch (stored, fromIDs) {
            case let (.text(a), .text(b)): Array(a.unicodeScalars) == Array(b.unicodeScalars)
            case let (.picture(a, _), .picture(b)): a == b
            default: false
            }
            guard same else {
                throw .inconsistentTokens(path: path, turn: index, reason: "segments[\(s)] differs from what its ids decode to")
            }
        }
        return .consistent
    }

    /// The text and picture segments an assistant reply's ids stand for.
    private func segments(ofReply ids: [Int], index: Int) throws(SessionError) -> [MessageSegment] {
        let vocabulary = builder.vocabulary
        let opening = builder.replyOpening()
        guard ids.starts(with: opening) else {
            throw .inconsistentTokens(path: path, turn: index, reason: "an assistant turn must start with the format's assistant prefix")
        }
        var body = Array(ids.dropFirst(opening.count))
        let closing = builder.replyClosing()
        if !closing.isEmpty, body.count >= closing.count, Array(body.suffix(closing.count)) == closing {
            body.removeLast(closing.count)
        } else if let last = body.last, builder.stopTokenIDs.contains(last) || last == vocabulary.eos {
            body.removeLast()
        }

        var result: [MessageSegment] = []
        var detokenizer = StreamingDetokenizer(tokenizer: builder.tokenizer, skipSpecialTokens: true)
        var text = ""
        func flushText() {
            text += detokenizer.flush()
            if !text.isEmpty { result.append(.text(text)) }
            text = ""
        }
        var i = 0
        while i < body.count {
            let id = body[i]
            if id == vocabulary.beginImage {
                flushText()
                let end = i + 1 + codesPerPicture
                guard end < body.count, body[end] == vocabulary.endImage,
                      body[(i + 1) ..< end].allSatisfy(vocabulary.isImageToken) else {
                    throw .inconsistentTokens(path: path, turn: index, reason: "a picture must be begin-image, \(codesPerPicture) codes, end-image")
                }
                result.append(.picture(codes: body[(i + 1) ..< end].map { Int(vocabulary.codeForToken[$0]) }))
                i = end + 1
            } else if vocabulary.isImageToken(id) || id == vocabulary.endImage {
                throw .inconsistentTokens(path: path, turn: index, reason: "picture code token \(id) outside a picture")
            } else {
                if !builder.stopTokenIDs.contains(id) { text += detokenizer.append(id) }
                i += 1
            }
        }
        flushText()
        return result
    }
}

extension SessionManifest.Turn {
    /// The turn as the engine's message type.
    public var chatMessage: ChatMessage {
        ChatMessage(role: role == .user ? .user : .assistant, segments: segments.map { segment in
            switch segment {
            case .text(let text): .text(text)
            case .picture(let codes, _): .picture(codes: codes)
            }
        })
    }
}
