import Foundation

/// The VQ image tokenizer's hyper-parameters: the `vq_config` object of `config.json`
/// (model_type `chameleon_vqgan`). Defaults are Chameleon's 512-pixel, 32×32-code VQGAN.
public struct VQGANConfig: Codable, Sendable, Equatable {
    public var embedDim: Int
    public var numEmbeddings: Int
    public var doubleLatent: Bool
    public var latentChannels: Int
    public var resolution: Int
    public var inChannels: Int
    public var outChannels: Int
    public var baseChannels: Int
    public var channelMultiplier: [Int]
    public var numResBlocks: Int
    public var attnResolutions: [Int]
    public var attnType: String

    enum CodingKeys: String, CodingKey {
        case embedDim = "embed_dim", numEmbeddings = "num_embeddings", doubleLatent = "double_latent"
        case latentChannels = "latent_channels", resolution, inChannels = "in_channels"
        case outChannels = "out_channels", baseChannels = "base_channels"
        case channelMultiplier = "channel_multiplier", numResBlocks = "num_res_blocks"
        case attnResolutions = "attn_resolutions", attnType = "attn_type"
    }

    public init() {
        embedDim = 256
        numEmbeddings = 8192
        doubleLatent = false
        latentChannels = 256
        resolution = 512
        inChannels = 3
        outChannels = 3
        baseChannels = 128
        channelMultiplier = [1, 1, 2, 2, 4]
        numResBlocks = 2
        attnResolutions = []
        attnType = "vanilla"
    }

    public init(from decoder: any Decoder) throws {
        let d = VQGANConfig()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        embedDim = try c.decodeIfPresent(Int.self, forKey: .embedDim) ?? d.embedDim
        numEmbeddings = try c.decodeIfPresent(Int.self, forKey: .numEmbeddings) ?? d.numEmbeddings
        doubleLatent = try c.decodeIfPresent(Bool.self, forKey: .doubleLatent) ?? d.doubleLatent
        latentChannels = try c.decodeIfPresent(Int.self, forKey: .latentChannels) ?? d.latentChannels
        resolution = try c.decodeIfPresent(Int.self, forKey: .resolution) ?? d.resolution
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? d.inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? d.outChannels
        baseChannels = try c.decodeIfPresent(Int.self, forKey: .baseChannels) ?? d.baseChannels
        channelMultiplier = try c.decodeIfPresent([Int].self, forKey: .channelMultiplier) ?? d.channelMultiplier
        numResBlocks = try c.decodeIfPresent(Int.self, forKey: .numResBlocks) ?? d.numResBlocks
        // `null` in the reference means "no attention inside the levels".
        attnResolutions = try c.decodeIfPresent([Int].self, forKey: .attnResolutions) ?? []
        attnType = try c.decodeIfPresent(String.self, forKey: .attnType) ?? d.attnType
    }

    /// Side of the square code grid: resolution / 2^(levels − 1).
    public var gridSide: Int { resolution >> max(0, channelMultiplier.count - 1) }

    /// Codes per picture, in raster order (1024 for Chameleon).
    public var tokensPerImage: Int { gridSide * gridSide }

    /// Checks the fields that later arithmetic relies on.
    public func validate(path: String) throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw ConfigError.invalid(path: path, reason: "vq_config: " + message) }
        }
        try require(!channelMultiplier.isEmpty && channelMultiplier.count <= 8,
                    "channel_multiplier must list 1 to 8 levels")
        try require(channelMultiplier.allSatisfy { $0 > 0 && $0 <= 64 }, "channel_multiplier entries must be positive")
        try require(resolution > 0 && resolution <= 4096, "resolution must be in 1...4096")
        try require(gridSide > 0 && gridSide << (channelMultiplier.count - 1) == resolution,
                    "resolution \(resolution) is not divisible by 2^\(channelMultiplier.count - 1)")
        for (name, value) in [("embed_dim", embedDim), ("num_embeddings", numEmbeddings),
                              ("latent_channels", latentChannels), ("base_channels", baseChannels)] {
            try require(value > 0 && value <= 1 << 20, "\(name) must be positive, got \(value)")
        }
        // Zero is valid: the encoder then has no residual blocks per level, the decoder one.
        try require(numResBlocks >= 0 && numResBlocks <= 64, "num_res_blocks must be in 0...64, got \(numResBlocks)")
    }
}
