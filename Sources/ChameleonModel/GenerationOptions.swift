/// Everything that decides what `Generator` produces. Defaults are the reference engine's.
public struct GenerationOptions: Sendable, Equatable {
    public var mode: GenerationMode = .interleaved
    /// Sampling of text tokens (Meta's Chameleon defaults: 0.7, top-p 0.9, penalty 1.2).
    public var text: SamplingParameters = .referenceText
    /// Sampling of picture codes (Anole's defaults: 1.0, top-p 0.9).
    public var image: SamplingParameters = .referenceImage
    /// Classifier-free guidance scale for the text condition (g_txt; reference 3.0).
    public var guidanceText: Float = 3.0
    /// Classifier-free guidance scale for the image condition (g_img; reference 1.2).
    public var guidanceImage: Float = 1.2
    /// Seed of the sampler; the same seed gives the same output.
    public var seed: UInt64 = 0
    /// Most tokens to generate in one call. A picture that has begun is always finished.
    public var maxNewTokens: Int = 4096
    /// Tokens that end generation when produced in text (end of sequence is always one).
    public var stopTokens: Set<Int> = []
    /// Speculative Jacobi decoding of picture codes: how many drafted codes each forward pass
    /// verifies (0: off, one code per pass). The codes keep exactly the distribution they have
    /// without it, but a seed gives different pictures with and without it.
    public var jacobiWindow: Int = 0

    public init() {}

    /// Whether picture codes need the two extra guidance rows. With both scales 1 the guided
    /// logits equal the full-prompt logits, so the rows are skipped.
    public var usesGuidance: Bool { !(guidanceText == 1 && guidanceImage == 1) }

    /// Makes both text and pictures greedy (argmax), keeping guidance.
    public mutating func setGreedy() {
        text.greedy = true
        image.greedy = true
    }
}

/// One token the generator produced.
public struct GeneratedToken: Sendable, Equatable {
    public let id: Int
    /// True for end-image, which the state machine forces without consulting the model.
    public let forced: Bool
    /// The phase after this token.
    public let phase: ModalityState.Phase
}

/// Why generation ended.
public enum StopReason: String, Sendable, Equatable {
    /// End of sequence or a requested stop token was produced.
    case stopToken
    /// `maxNewTokens` were produced.
    case maxTokens
    /// The context is full.
    case contextFull
}

extension GenerationOptions {
    /// The reference defaults with a model's own `generation_config.json` applied on top.
    public init(modelDefaults defaults: GenerationDefaults?) {
        self.init()
        guard let defaults else { return }
        if let temperature = defaults.temperature { text.temperature = temperature }
        if let topP = defaults.topP { text.topP = topP }
        if let topK = defaults.topK { text.topK = topK }
        if let penalty = defaults.repetitionPenalty { text.repetitionPenalty = penalty }
        if let doSample = defaults.doSample { text.greedy = !doSample }
        if let temperature = defaults.imageTemperature { image.temperature = temperature }
        if let topP = defaults.imageTopP { image.topP = topP }
        if let topK = defaults.imageTopK { image.topK = topK }
        if let doSample = defaults.imageDoSample { image.greedy = !doSample }
        if let scale = defaults.cfgText { guidanceText = scale }
        if let scale = defaults.cfgImage { guidanceImage = scale }
    }
}
