import BPETokenizer
import ChameleonModel
import Foundation

/// Owns the model, the conversation and its KV cache; the UI and the command line talk to it
/// only through messages and event streams.
///
/// The conversation's tokens stay in the cache across turns, so a follow-up costs only its own
/// tokens. When a turn would not fit, the oldest turns are dropped (with a notice) and the cache
/// is rebuilt from what remains.
///
///     let engine = try InferenceEngine(checkpoint: checkpoint, format: format)
///     for try await event in await engine.respond(to: .user("draw a red circle")) { ... }
public actor InferenceEngine {
    public nonisolated let checkpoint: ChameleonCheckpoint
    public nonisolated let builder: PromptBuilder
    public private(set) var messages: [ChatMessage] = []
    /// Generation settings for the next reply.
    public var options: GenerationOptions {
        get { generator.options }
        set { generator.options = newValue }
    }
    private let generator: Generator
    /// Sequence length before each message, so turns can be undone.
    private var messageStarts: [Int] = []
    /// How many messages a full context has dropped from the front of this conversation.
    public private(set) var frontDrops = FrontDrops()

    public init(checkpoint: ChameleonCheckpoint, format: ConversationFormat, options: GenerationOptions = GenerationOptions()) throws {
        self.checkpoint = checkpoint
        builder = try PromptBuilder(tokenizer: checkpoint.tokenizer, format: format, vocabulary: checkpoint.vocabulary)
        var options = options
        options.stopTokens = builder.stopTokenIDs
        generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
    }

    /// Tokens of context in use, and the context length.
    public var contextUsage: (used: Int, total: Int) { (generator.sequence.count, generator.contextLength) }

    /// Every token of the conversation so far.
    public var tokenIDs: [Int] { generator.sequence }

    /// The model's raw logits for the next token of the conversation (a resumed session gives
    /// the same as the one that was saved).
    public func nextTokenLogits() -> [Float] { generator.nextTokenLogits() }

    /// The exact token ids of the conversation's start (before the first message).
    public var beginningTokenIDs: [Int] {
        Array(generator.sequence.prefix(messageStarts.first ?? generator.sequence.count))
    }

    /// The exact token ids of each message, in order (an assistant message includes its
    /// prefix and closing tokens).
    public var messageTokenIDs: [[Int]] {
        let sequence = generator.sequence
        return messageStarts.indices.map { i in
            let end = i + 1 < messageStarts.count ? messageStarts[i + 1] : sequence.count
            return Array(sequence[messageStarts[i]..<end])
        }
    }

    /// Replaces the conversation with stored messages and their exact token ids (a resumed
    /// session), so the model's state equals the one that was saved.
    public func restore(beginning: [Int], messages stored: [(message: ChatMessage, tokenIDs: [Int])]) throws {
        let total = beginning.count + stored.reduce(0) { $0 + $1.tokenIDs.count }
        guard total < generator.contextLength else {
            throw EngineError.doesNotFit(tokens: total, context: generator.contextLength)
        }
        let vocabularySize = checkpoint.config.vocabSize
        for ids in [beginning] + stored.map(\.tokenIDs) {
            if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                throw EngineError.invalidToken(id: bad, vocabularySize: vocabularySize)
            }
        }
        reset()
        generator.append(beginning)
        for (message, ids) in stored {
            messageStarts.append(generator.sequence.count)
            messages.append(message)
            generator.append(ids)
        }
    }

    /// Sets the generation options, keeping the format's stop tokens.
    public func setOptions(_ newOptions: GenerationOptions) {
        var copy = newOptions
        copy.stopTokens = builder.stopTokenIDs
        generator.options = copy
    }

    /// Forgets the whole conversation (and starts a new count of ``frontDrops``).
    public func reset() {
        generator.truncate(to: 0)
        messages = []
        messageStarts = []
        frontDrops = FrontDrops()
    }

    /// Drops the last `count` messages (a user message and its reply are two).
    public func dropLast(_ count: Int) {
        let keep = max(0, messages.count - count)
        let length = keep < messageStarts.count ? messageStarts[keep] : generator.sequence.count
        generator.truncate(to: length)
        messages.removeLast(messages.count - keep)
        messageStarts.removeLast(messageStarts.count - keep)
    }

    /// Replaces the conversation with `history` (a loaded session), rebuilding the cache.
    public func load(_ history: [ChatMessage]) throws {
        reset()
        for message in history { try add(message) }
    }

    /// Adds a message without generating (history, or an assistant turn written elsewhere).
    public func add(_ message: ChatMessage) throws {
        let ids = builder.ids(for: message)
        guard tokensInUse + ids.count < generator.contextLength else {
            throw EngineError.doesNotFit(tokens: ids.count, context: generator.contextLength)
        }
        if generator.sequence.isEmpty { generator.append(builder.beginning()) }
        messageStarts.append(generator.sequence.count)
        messages.append(message)
        generator.append(ids)
    }

    /// Streams the model's reply to `message`. Cancelling the consuming task stops the reply;
    /// what was produced so far stays in the conversation, closed as a finished turn.
    public nonisolated func respond(to message: ChatMessage) -> AsyncThrowingStream<GenerationEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task { await self.reply(to: message, continuation: continuation) }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: - Producing a reply

    private func reply(to message: ChatMessage, continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation) {
        let rebuilt: Bool
        do {
            rebuilt = try makeRoom(for: message, continuation: continuation)
            try add(message)
        } catch {
            continuation.finish(throwing: error)
            return
        }
        let replyStart = generator.sequence.count
        messageStarts.append(replyStart)
        generator.append(builder.replyOpening())
        let vocabulary = checkpoint.vocabulary
        // The model runs the new message and the reply's opening, or, after old exchanges were
        // dropped, the whole rebuilt context.
        let promptTokens = rebuilt ? generator.sequence.count : generator.sequence.count - (messageStarts.dropLast().last ?? 0)
        let requestedLimit = generator.options.maxNewTokens
        defer { generator.options.maxNewTokens = requestedLimit }
        var options = generator.options
        options.maxNewTokens = max(1, min(options.maxNewTokens, generator.contextLength - generator.sequence.count - 1))
        generator.options = options
        generator.reseed()

        var detokenizer = StreamingDetokenizer(tokenizer: checkpoint.tokenizer, skipSpecialTokens: true)
        var segments: [MessageSegment] = []
        var text = ""
        var codes: [Int] = []
        var pictureIndex = messages.reduce(0) { $0 + $1.pictures.count }
        var generated = 0
        var firstTokenTime: Double?
        let start = DispatchTime.now().uptimeNanoseconds
        var cancelled = false

        func flushText() {
            text += detokenizer.flush()
            if !text.isEmpty { segments.append(.text(text)) }
            text = ""
        }

        while let token = generator.next() {
            if firstTokenTime == nil { firstTokenTime = seconds(since: start) }
            if generated % contextReportInterval == 0 { continuation.yield(.contextUsed(generator.sequence.count)) }
            generated += 1
            if Task.isCancelled {
                // The token just produced was neither shown nor recorded: take it back, so the
                // turn's ids say exactly what its text and pictures say.
                generator.truncate(to: generator.sequence.count - 1)
                cancelled = true
                break
            }
            if vocabulary.isImageToken(token.id) {
                let code = Int(vocabulary.codeForToken[token.id])
                codes.append(code)
                continuation.yield(.pictureCode(index: pictureIndex, position: codes.count - 1, code: code))
            } else if token.id == vocabulary.beginImage {
                let piece = detokenizer.flush()
                if !piece.isEmpty { continuation.yield(.text(piece)) }
                text += piece
                flushText()
                codes = []
                continuation.yield(.pictureBegan(index: pictureIndex, codesTotal: generator.state.tokensPerImage))
            } else if token.id == vocabulary.endImage {
                segments.append(.picture(codes: codes))
                continuation.yield(.pictureFinished(index: pictureIndex, codes: codes))
                pictureIndex += 1
                codes = []
            } else if !builder.stopTokenIDs.contains(token.id) {
                let piece = detokenizer.append(token.id)
                if !piece.isEmpty {
                    text += piece
                    continuation.yield(.text(piece))
                }
            }
        }
        let tail = detokenizer.flush()
        if !tail.isEmpty { continuation.yield(.text(tail)) }
        text += tail
        if !text.isEmpty { segments.append(.text(text)) }

        // A reply cut short (stop, token limit, cancelled picture) is closed so the next turn
        // starts cleanly: an unfinished picture is dropped from the sequence.
        if generator.state.isInImage {
            generator.truncate(to: generator.sequence.count - codes.count - 1)
        }
        if let last = generator.sequence.last, !builder.stopTokenIDs.contains(last) {
            let closing = builder.replyClosing()
            if generator.sequence.count + closing.count < generator.contextLength { generator.append(closing) }
        }
        messages.append(ChatMessage(role: .assistant, segments: segments))
        let total = seconds(since: start)
        continuation.yield(.finished(GenerationStats(
            promptTokens: promptTokens, promptSeconds: firstTokenTime ?? total,
            generatedTokens: generated, generationSeconds: total - (firstTokenTime ?? total),
            stopReason: generator.stopReason, cancelled: cancelled)))
        continuation.finish()
    }

    /// Text a reply has room for at least, beyond its opening.
    static let replyTextRoom = 64

    /// Drops the oldest exchanges until `message` and a reply have room, rebuilding the cache.
    /// The room asked for is some text and, when the reply may draw, a whole picture: without
    /// it a full context would leave begin-image masked and "draw ..." would get no picture.
    /// Only the text room is a must; a message that leaves just that is still answered.
    /// Returns whether exchanges were dropped (the cache then runs the whole context again).
    private func makeRoom(for message: ChatMessage, continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation) throws -> Bool {
        let messageTokens = builder.ids(for: message).count + builder.replyOpening().count
        let state = generator.state
        let pictureRoom = state.mode == .interleaved && state.tokensPerImage > 0 ? state.tokensPerImage + 2 : 0
        let dropped = try dropOldestExchanges(needing: messageTokens + Self.replyTextRoom,
                                              wanting: messageTokens + Self.replyTextRoom + pictureRoom)
        if dropped > 0 {
            continuation.yield(.contextDropped(exchanges: dropped))
            continuation.yield(.notice(Self.droppedNotice(dropped)))
        }
        return dropped > 0
    }

    /// Adds a written message (a script's assistant turn, or a user turn not to be answered),
    /// first dropping the oldest exchanges, as a reply would, when the context has no room for
    /// it. Returns the exchanges dropped.
    @discardableResult
    public func addMakingRoom(_ message: ChatMessage) throws -> Int {
        let tokens = builder.ids(for: message).count + 1
        let dropped = try dropOldestExchanges(needing: tokens, wanting: tokens)
        try add(message)
        return dropped
    }

    /// The line that tells the user old exchanges left the context.
    public static func droppedNotice(_ exchanges: Int) -> String {
        "The context was full: dropped the \(exchanges) oldest exchange\(exchanges == 1 ? "" : "s")."
    }

    /// Drops the oldest exchanges (two messages each) until `wanting` more tokens fit, or, when
    /// no drop can give that, until `needing` do; rebuilds the cache when anything was dropped.
    /// Throws `doesNotFit` when not even an empty conversation has room for `needing` tokens.
    private func dropOldestExchanges(needing: Int, wanting: Int) throws -> Int {
        let context = generator.contextLength
        guard tokensInUse + wanting >= context else { return 0 }
        let beginning = builder.beginning().count
        guard needing + beginning < context else { throw EngineError.doesNotFit(tokens: needing, context: context) }
        let goal = wanting + beginning < context ? wanting : needing
        var history = messages
        var lengths = history.map { builder.ids(for: $0).count }  // each message encoded once
        var length = beginning + lengths.reduce(0, +)
        var dropped = 0
        while !history.isEmpty && length + goal >= context {
            let count = min(2, history.count)
            length -= lengths.prefix(count).reduce(0, +)
            history.removeFirst(count)
            lengths.removeFirst(count)
            dropped += 1
        }
        guard dropped > 0 else { return 0 }
        let drops = FrontDrops(conversation: frontDrops.conversation,
                               messages: frontDrops.messages + messages.count - history.count)
        try load(history)
        frontDrops = drops
        return dropped
    }

    /// Tokens the conversation holds, counting the format's beginning before the first message
    /// (which `add` writes then): a long `begin` in conversation.json must not overflow the context.
    private var tokensInUse: Int {
        generator.sequence.isEmpty ? builder.beginning().count : generator.sequence.count
    }

    private func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// Why the engine refused a message.
public enum EngineError: Error, CustomStringConvertible, Sendable, Equatable {
    case doesNotFit(tokens: Int, context: Int)
    case invalidToken(id: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case .doesNotFit(let tokens, let context):
            "the message needs \(tokens) tokens, more than the model's context of \(context) can hold"
        case .invalidToken(let id, let size):
            "token id \(id) is outside the model's vocabulary of \(size)"
        }
    }
}
