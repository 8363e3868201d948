import FileIO
import Foundation

/// A model's own sampling defaults, from the `generation_config.json` beside its `config.json`
/// (the Hugging Face file). Every field is optional: what a file leaves out keeps the engine's
/// reference defaults, and command-line flags override both.
///
/// Hugging Face keys: `do_sample` (false: always the most likely token), `temperature`, `top_p`,
/// `top_k`, `repetition_penalty`. Hugging Face has no keys for pictures, so this project adds
/// `image_do_sample`, `image_temperature`, `image_top_p`, `image_top_k`, `cfg_text` and
/// `cfg_image` (transformers keeps unknown keys and ignores them).
///
///     {"do_sample": false, "repetition_penalty": 1.0, "image_temperature": 0.7, "cfg_text": 3.0}
public struct GenerationDefaults: Decodable, Sendable, Equatable {
    public static let fileName = "generation_config.json"

    public var doSample: Bool?
    public var temperature: Float?
    public var topP: Float?
    public var topK: Int?
    public var repetitionPenalty: Float?
    public var imageDoSample: Bool?
    public var imageTemperature: Float?
    public var imageTopP: Float?
    public var imageTopK: Int?
    public var cfgText: Float?
    public var cfgImage: Float?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case doSample = "do_sample", temperature, topP = "top_p", topK = "top_k"
        case repetitionPenalty = "repetition_penalty"
        case imageDoSample = "image_do_sample", imageTemperature = "image_temperature"
        case imageTopP = "image_top_p", imageTopK = "image_top_k"
        case cfgText = "cfg_text", cfgImage = "cfg_image"
    }

    /// The defaults in `directory`, or nil when it has no `generation_config.json`.
    public static func load(directory: URL) throws -> GenerationDefaults? {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = Data(try FileIO.read(url.path, limit: 1 << 20)) } catch {
            throw ConfigError.unreadable(path: url.path, reason: error.reason)
        }
        let defaults: GenerationDefaults
        do { defaults = try JSONDecoder().decode(GenerationDefaults.self, from: data) } catch {
            throw ConfigError.malformed(path: url.path, reason: describeDecodingError(error))
        }
        try defaults.validate(path: url.path)
        return defaults
    }

    func validate(path: String) throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw ConfigError.invalid(path: path, reason: message) }
        }
        for (name, value) in [("temperature", temperature), ("image_temperature", imageTemperature)] {
            if let value { try check(value.isFinite && value >= 0, "\(name) must be ≥ 0, not \(value)") }
        }
        for (name, value) in [("top_p", topP), ("image_top_p", imageTopP)] {
            if let value { try check(value > 0 && value <= 1, "\(name) must be in (0, 1], not \(value)") }
        }
        for (name, value) in [("top_k", topK), ("image_top_k", imageTopK)] {
            if let value { try check(value >= 0, "\(name) must be ≥ 0, not \(value)") }
        }
        if let repetitionPenalty {
            try check(repetitionPenalty.isFinite && repetitionPenalty > 0, "repetition_penalty must be > 0, not \(repetitionPenalty)")
        }
        for (name, value) in [("cfg_text", cfgText), ("cfg_image", cfgImage)] {
            if let value { try check(value.isFinite && value >= 0, "\(name) must be ≥ 0, not \(value)") }
        }
    }
}
