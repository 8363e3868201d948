import Foundation

/// How many messages a full context has dropped from the front of one conversation of an
/// ``InferenceEngine``: a session writer compares two counts of the same conversation to know
/// exactly how many of its turns left the context, instead of guessing from their text (which
/// repeated exchanges make ambiguous).
public struct FrontDrops: Sendable, Equatable {
    /// The conversation counted: a new one begins whenever the engine is reset or loaded.
    public var conversation: UUID
    /// Messages dropped from its front so far.
    public var messages: Int

    public init(conversation: UUID = UUID(), messages: Int = 0) {
        self.conversation = conversation
        self.messages = messages
    }

    /// Messages dropped since `earlier`, a count of the same conversation; nil when `earlier`
    /// counts another conversation (or is nil).
    public func since(_ earlier: FrontDrops?) -> Int? {
        guard let earlier, earlier.conversation == conversation, earlier.messages <= messages else { return nil }
        return messages - earlier.messages
    }
}
