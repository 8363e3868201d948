import ChameleonModel

/// What a reply stream reports, in order, as the model produces it.
public enum GenerationEvent: Sendable, Equatable {
    /// Complete UTF-8 text (never half a character).
    case text(String)
    /// A picture has begun; `index` counts pictures in the conversation from 0.
    case pictureBegan(index: Int, codesTotal: Int)
    /// One picture code was sampled at raster position `position`.
    case pictureCode(index: Int, position: Int, code: Int)
    /// The picture is complete.
    case pictureFinished(index: Int, codes: [Int])
    /// Something the user should know (for example, old turns dropped to make room).
    case notice(String)
    /// The oldest `exchanges` exchanges (a user message and its reply each) left the model's
    /// context to make room for this one; a notice saying so in words follows.
    case contextDropped(exchanges: Int)
    /// Tokens of the context now in use: once the prompt is read, then every
    /// ``contextReportInterval`` generated tokens, so a status line can follow a long reply.
    case contextUsed(Int)
    /// The reply is over.
    case finished(GenerationStats)
}

/// Generated tokens between two ``GenerationEvent/contextUsed(_:)`` reports.
public let contextReportInterval = 16

/// Timings of one reply: prompt processing and generation are reported separately.
public struct GenerationStats: Sendable, Equatable {
    public var promptTokens: Int
    public var promptSeconds: Double
    public var generatedTokens: Int
    public var generationSeconds: Double
    public var stopReason: StopReason?
    /// True when the user stopped the reply.
    public var cancelled: Bool

    public var promptTokensPerSecond: Double { promptSeconds > 0 ? Double(promptTokens) / promptSeconds : 0 }
    public var generationTokensPerSecond: Double { generationSeconds > 0 ? Double(generatedTokens) / generationSeconds : 0 }
}
