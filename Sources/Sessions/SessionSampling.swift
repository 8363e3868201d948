import ChameleonModel

/// The generation settings of a session, so a resumed chat samples as before.
public struct SessionSampling: Codable, Sendable, Equatable {
    /// Sampling of one kind of token.
    public struct Parameters: Codable, Sendable, Equatable {
        public var temperature: Float
        public var topK: Int
        public var topP: Float
        public var repetitionPenalty: Float
        public var greedy: Bool

        enum CodingKeys: String, CodingKey {
            case temperature, greedy
            case topK = "top_k", topP = "top_p", repetitionPenalty = "repetition_penalty"
        }

        public init(_ parameters: SamplingParameters) {
            temperature = parameters.temperature
            topK = parameters.topK
            topP = parameters.topP
            repetitionPenalty = parameters.repetitionPenalty
            greedy = parameters.greedy
        }

        public var samplingParameters: SamplingParameters {
            SamplingParameters(temperature: temperature, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty, greedy: greedy)
        }

        /// The first impossible value, named by its key.
        func problem() -> (field: String, reason: String)? {
            if !(temperature.isFinite && temperature >= 0) { return ("temperature", "must be a number ≥ 0") }
            if topK < 0 { return ("top_k", "must be ≥ 0") }
            if !(topP.isFinite && topP > 0 && topP <= 1) { return ("top_p", "must be in (0, 1]") }
            if !(repetitionPenalty.isFinite && repetitionPenalty > 0) { return ("repetition_penalty", "must be a number > 0") }
            return nil
        }
    }

    /// `interleaved`, `text` or `free`.
    public var mode: GenerationMode
    public var text: Parameters
    public var image: Parameters
    public var guidanceText: Float
    public var guidanceImage: Float
    public var seed: UInt64
    public var maxNewTokens: Int

    enum CodingKeys: String, CodingKey {
        case mode, text, image, seed
        case guidanceText = "guidance_text", guidanceImage = "guidance_image", maxNewTokens = "max_new_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mode = try container.decode(GenerationMode.self, forKey: .mode)
        text = try container.decode(Parameters.self, forKey: .text)
        image = try container.decode(Parameters.self, forKey: .image)
        guidanceText = try container.decode(Float.self, forKey: .guidanceText)
        guidanceImage = try container.decode(Float.self, forKey: .guidanceImage)
        maxNewTokens = try container.decode(Int.self, forKey: .maxNewTokens)
        // Foundation reports a negative UInt64 without naming the field; name it here.
        if let value = try? container.decode(UInt64.self, forKey: .seed) {
            seed = value
        } else if let value = try? container.decode(Int64.self, forKey: .seed) {
            throw DecodingError.dataCorruptedError(forKey: .seed, in: container, debugDescription: "must be between 0 and 2^64 − 1, not \(value)")
        } else {
            seed = try container.decode(UInt64.self, forKey: .seed)
        }
    }

    /// The settings of `options` (stop tokens belong to the model's format and are not stored).
    public init(_ options: GenerationOptions) {
        mode = options.mode
        text = Parameters(options.text)
        image = Parameters(options.image)
        guidanceText = options.guidanceText
        guidanceImage = options.guidanceImage
        seed = options.seed
        maxNewTokens = options.maxNewTokens
    }

    /// Generation options with these settings.
    public var generationOptions: GenerationOptions {
        var options = GenerationOptions()
        options.mode = mode
        options.text = text.samplingParameters
        options.image = image.samplingParameters
        options.guidanceText = guidanceText
        options.guidanceImage = guidanceImage
        options.seed = seed
        options.maxNewTokens = maxNewTokens
        return options
    }

    /// The first impossible value, named by its JSON path below `sampling`.
    func problem() -> (field: String, reason: String)? {
        if let (field, reason) = text.problem() { return ("text.\(field)", reason) }
        if let (field, reason) = image.problem() { return ("image.\(field)", reason) }
        if !guidanceText.isFinite { return ("guidance_text", "must be a finite number") }
        if !guidanceImage.isFinite { return ("guidance_image", "must be a finite number") }
        if maxNewTokens < 1 { return ("max_new_tokens", "must be ≥ 1") }
        return nil
    }
}
