import FileIO
import Foundation

/// The language-model hyper-parameters of a Chameleon-format checkpoint, read from `config.json`
/// (model_type `chameleon`).
///
/// Field names follow Hugging Face's `ChameleonConfig`; missing fields take its defaults, which
/// are the Chameleon-7B values. Both RoPE spellings are accepted: the newer
/// `rope_parameters: {"rope_type", "rope_theta"}` and the older `rope_theta` / `rope_scaling`.
///
///     let config = try ChameleonConfig.load(from: directory.appending(path: "config.json"))
///     print(config.hiddenSize, config.headDim)
public struct ChameleonConfig: Codable, Sendable, Equatable {
    public var modelType: String
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var hiddenAct: String
    public var maxPositionEmbeddings: Int
    public var rmsNormEps: Float
    public var ropeTheta: Float
    /// `default` is the only RoPE type Chameleon checkpoints use; others are refused by `validate()`.
    public var ropeType: String
    public var attentionBias: Bool
    public var mlpBias: Bool
    public var tieWordEmbeddings: Bool
    public var swinNorm: Bool
    public var modelParallelSize: Int
    /// The VQ image tokenizer's configuration (`vq_config`).
    public var vqConfig: VQGANConfig

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads"
        case hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings"
        case rmsNormEps = "rms_norm_eps"
        case ropeParameters = "rope_parameters"
        case ropeTheta = "rope_theta"
        case ropeScaling = "rope_scaling"
        case attentionBias = "attention_bias"
        case mlpBias = "mlp_bias"
        case tieWordEmbeddings = "tie_word_embeddings"
        case swinNorm = "swin_norm"
        case modelParallelSize = "model_parallel_size"
        case vqConfig = "vq_config"
    }

    /// The `rope_parameters` / `rope_scaling` object.
    struct RopeParameters: Codable {
        var ropeType: String?
        var type: String?
        var ropeTheta: Float?
        enum CodingKeys: String, CodingKey {
            case ropeType = "rope_type", type, ropeTheta = "rope_theta"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "chameleon"
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 65536
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 4096
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 11008
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 32
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 32
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .numKeyValueHeads) ?? numAttentionHeads
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "silu"
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 4096
        rmsNormEps = try c.decodeIfPresent(Float.self, forKey: .rmsNormEps) ?? 1e-5
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attentionBias) ?? false
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlpBias) ?? false
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
        swinNorm = try c.decodeIfPresent(Bool.self, forKey: .swinNorm) ?? false
        modelParallelSize = try c.decodeIfPresent(Int.self, forKey: .modelParallelSize) ?? 1
        vqConfig = try c.decodeIfPresent(VQGANConfig.self, forKey: .vqConfig) ?? VQGANConfig()

        // RoPE: the newer object wins; otherwise the legacy keys; otherwise the default.
        let parameters = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        let legacyScaling = try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
        let legacyTheta = try c.decodeIfPresent(Float.self, forKey: .ropeTheta)
        ropeTheta = parameters?.ropeTheta ?? legacyTheta ?? 10000
        ropeType = parameters?.ropeType ?? parameters?.type
            ?? legacyScaling?.ropeType ?? legacyScaling?.type ?? "default"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(numKeyValueHeads, forKey: .numKeyValueHeads)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(rmsNormEps, forKey: .rmsNormEps)
        try c.encode(RopeParameters(ropeType: ropeType, type: nil, ropeTheta: ropeTheta), forKey: .ropeParameters)
        try c.encode(attentionBias, forKey: .attentionBias)
        try c.encode(mlpBias, forKey: .mlpBias)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(swinNorm, forKey: .swinNorm)
        try c.encode(modelParallelSize, forKey: .modelParallelSize)
        try c.encode(vqConfig, forKey: .vqConfig)
    }

    /// A configuration built in code (benchmarks, tests); unspecified fields take the 7B values.
    public init(
        vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int,
        numAttentionHeads: Int, numKeyValueHeads: Int? = nil, maxPositionEmbeddings: Int = 4096,
        rmsNormEps: Float = 1e-5, ropeTheta: Float = 10000, swinNorm: Bool = false,
        tieWordEmbeddings: Bool = false, vqConfig: VQGANConfig = VQGANConfig()
    ) {
        modelType = "chameleon"
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.numKeyValueHeads = numKeyValueHeads ?? numAttentionHeads
        hiddenAct = "silu"
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        ropeType = "default"
        attentionBias = false
        mlpBias = false
        self.tieWordEmbeddings = tieWordEmbeddings
        self.swinNorm = swinNorm
        modelParallelSize = 1
        self.vqConfig = vqConfig
    }

    /// D, the per-head dimension: hidden size / attention heads, as the reference computes it.
    public var headDim: Int { hiddenSize / max(1, numAttentionHeads) }

    /// The most layers a config may declare.
    public static let maxLayers = 1024

    /// Checks the rules that tie fields together. Throws `ConfigError.invalid` naming the rule.
    public func validate(path: String) throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw ConfigError.invalid(path: path, reason: message) }
        }
        try require(modelType == "chameleon", "model_type is \"\(modelType)\", expected \"chameleon\"")
        for (name, value) in [
            ("vocab_size", vocabSize), ("hidden_size", hiddenSize),
            ("intermediate_size", intermediateSize), ("num_hidden_layers", numHiddenLayers),
            ("num_attention_heads", numAttentionHeads), ("num_key_value_heads", numKeyValueHeads),
            ("max_position_embeddings", maxPositionEmbeddings),
        ] {
            try require(value > 0, "\(name) must be positive, got \(value)")
            try require(value <= 1 << 24, "\(name) = \(value) is beyond any supported model")
        }
        // Loading lists every layer's tensors before it reads one: 2^24 layers would take tens of
        // gigabytes to say that they are missing. The largest released models have under 200.
        try require(numHiddenLayers <= Self.maxLayers, "num_hidden_layers = \(numHiddenLayers) is beyond any supported model (at most \(Self.maxLayers))")
        try require(hiddenSize % numAttentionHeads == 0,
                    "hidden_size \(hiddenSize) is not divisible by num_attention_heads \(numAttentionHeads)")
        try require(numAttentionHeads % numKeyValueHeads == 0,
                    "num_attention_heads \(numAttentionHeads) is not a multiple of num_key_value_heads \(numKeyValueHeads)")
        try require(headDim % 2 == 0, "head dimension \(headDim) must be even for rotary embeddings")
        try require(hiddenAct == "silu", "hidden_act \"\(hiddenAct)\" is not supported (only \"silu\")")
        try require(ropeType == "default", "rope type \"\(ropeType)\" is not supported (only \"default\")")
        try require(ropeTheta > 0 && ropeTheta.isFinite, "rope_theta must be positive")
        try require(rmsNormEps > 0 && rmsNormEps.isFinite, "rms_norm_eps must be positive")
        try vqConfig.validate(path: path)
    }

    /// The largest `config.json` read (a real one is a few kilobytes).
    public static let maxFileBytes = 16 << 20

    /// Reads and validates `config.json`.
    public static func load(from url: URL) throws -> ChameleonConfig {
        let data: Data
        do { data = Data(try FileIO.read(url.path, limit: maxFileBytes)) } catch {
            throw ConfigError.unreadable(path: url.path, reason: error.reason)
        }
        return try decode(data, path: url.path)
    }

    /// Decodes and validates the bytes of a `config.json`; `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws -> ChameleonConfig {
        let config: ChameleonConfig
        do { config = try JSONDecoder().decode(ChameleonConfig.self, from: data) } catch {
            throw ConfigError.malformed(path: path, reason: describeDecodingError(error))
        }
        try config.validate(path: path)
        return config
    }
}

/// Why a `config.json` could not be used.
public enum ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .malformed(let path, let reason): "\(path): malformed config: \(reason)"
        case .invalid(let path, let reason): "\(path): invalid config: \(reason)"
        }
    }
}

/// One line for a `DecodingError`: which key, and what was wrong with it. Shared by every
/// loader of a JSON file the user supplies.
public func describeDecodingError(_ error: any Error) -> String {
    guard let decoding = error as? DecodingError else { return "not valid JSON" }
    func keyPath(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        return path.isEmpty ? "top level" : path.joined(separator: ".")
    }
    switch decoding {
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
        return "\(keyPath(context)): \(context.debugDescription)"
    case .keyNotFound(let key, let context):
        return "\(keyPath(context)): missing key \"\(key.stringValue)\""
    case .dataCorrupted(let context):
        return context.codingPath.isEmpty ? "not valid JSON" : "\(keyPath(context)): \(context.debugDescription)"
    @unknown default:
        return "not valid JSON"
    }
}
