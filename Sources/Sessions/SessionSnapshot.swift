import ChameleonModel
import ChatEngine

/// The state of a conversation to save: what the engine holds, read in one step.
public struct SessionSnapshot: Sendable, Equatable {
    /// The exact ids before the first message.
    public var beginningTokenIDs: [Int]
    /// The messages in the model's context, oldest first.
    public var messages: [ChatMessage]
    /// The exact ids of each message (same count as `messages`).
    public var messageTokenIDs: [[Int]]
    /// The settings of the next reply.
    public var options: GenerationOptions
    /// The engine's count of messages dropped from the context's front (nil when unknown).
    public var frontDrops: FrontDrops?

    public init(beginningTokenIDs: [Int], messages: [ChatMessage], messageTokenIDs: [[Int]], options: GenerationOptions,
                frontDrops: FrontDrops? = nil) {
        precondition(messages.count == messageTokenIDs.count, "SessionSnapshot: one id list per message")
        self.beginningTokenIDs = beginningTokenIDs
        self.messages = messages
        self.messageTokenIDs = messageTokenIDs
        self.options = options
        self.frontDrops = frontDrops
    }
}

extension InferenceEngine {
    /// The conversation as it stands, read atomically (no reply can interleave).
    ///
    /// Call it between replies. To save a user message before its reply starts, pass it as
    /// `pending`: it is added with the ids the engine will give it (`builder.ids(for:)`), so the
    /// message survives a crash during the reply.
    ///
    ///     try await writer.save(engine.sessionSnapshot(pending: message))
    ///     for try await event in engine.respond(to: message) { … }
    ///     try await writer.save(engine.sessionSnapshot())
    public func sessionSnapshot(pending: ChatMessage? = nil) -> SessionSnapshot {
        var beginning = beginningTokenIDs
        var stored = messages
        var ids = messageTokenIDs
        // Mid-reply the engine's id lists run one ahead of its messages; keep complete turns only.
        if ids.count > stored.count { ids.removeLast(ids.count - stored.count) }
        if let pending {
            if stored.isEmpty && tokenIDs.isEmpty { beginning = builder.beginning() }
            stored.append(pending)
            ids.append(builder.ids(for: pending))
        }
        return SessionSnapshot(beginningTokenIDs: beginning, messages: stored, messageTokenIDs: ids, options: options,
                               frontDrops: frontDrops)
    }
}
