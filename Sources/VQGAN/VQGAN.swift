import Foundation
import Imaging
import ModelConfiguration
import SafeTensors

/// A Chameleon VQGAN image tokenizer: pictures at the model's resolution become a grid of codes
/// (encoder + quantizer), and codes become pictures (codebook + decoder).
///
/// Pictures of any size reach the model's resolution through `Imaging` first (transparency over
/// white, short side resized with Lanczos, centre crop: `RGBImage.resizedAndCenterCropped`).
/// 8-bit pixels are scaled to [−1, 1] and back as the reference engine does
/// (`RGBImage.normalizedCHW()` and `RGBImage(normalizedCHW:width:height:)`).
///
/// Loaded from the `model.vqmodel.*` tensors of a checkpoint for any `vq_config`. Either half may
/// be absent from the checkpoint: a model without a decoder still encodes, and asking it to
/// decode throws ``VQGANError/noDecoder(path:)`` (and the other way round).
///
///     let tensors = try SafeTensorsCheckpoint(at: directory)
///     let vqgan = try VQGAN(checkpoint: tensors, config: config.vqConfig, path: directory.path)
///     let codes = try vqgan.encode(picture)             // a 512×512 RGBImage → 1024 codes
///     let decoded = try vqgan.decodePicture(codes: codes) // 512×512 RGBImage
public struct VQGAN: Sendable {
    public let config: VQGANConfig
    /// How errors name the checkpoint.
    public let path: String
    let encoder: VQGANEncoder?
    let decoder: VQGANDecoder?
    let codebook: Codebook
    /// A hash of every tensor loaded (names, shapes, values); keys caches derived from the
    /// weights, such as the preview patches (``PatchTableCache``).
    public let fingerprint: UInt64

    /// Loads and checks the image tokenizer's tensors against `config`.
    ///
    /// - Throws: ``VQGANError`` naming the first missing, mis-shaped or unexpected tensor, an
    ///   unsupported configuration, or ``VQGANError/noImageCodec(path:)`` when the checkpoint holds
    ///   neither half.
    public init(checkpoint: SafeTensorsCheckpoint, config: VQGANConfig, path: String) throws(VQGANError) {
        guard config.inChannels == 3 && config.outChannels == 3 else {
            throw .unsupportedConfig(path: path, reason: "in_channels and out_channels must be 3 (RGB), got \(config.inChannels) and \(config.outChannels)")
        }
        guard !config.doubleLatent else {
            // The reference's quant_conv takes latent_channels, so a doubled latent cannot run there either.
            throw .unsupportedConfig(path: path, reason: "double_latent is true")
        }
        guard config.attnType == "vanilla" || config.attnType == "none" else {
            throw .unsupportedConfig(path: path, reason: "attn_type \"\(config.attnType)\" (supported: vanilla, none)")
        }
        do { try config.validate(path: path) } catch {
            throw .unsupportedConfig(path: path, reason: "\(error)")
        }
        self.config = config
        self.path = path
        var reader = VQGANWeightReader(checkpoint: checkpoint, path: path)
        // A half is there when its main body is: transformers' ChameleonVQVAE stores
        // post_quant_conv without any decoder, as the hub's Chameleon checkpoints do.
        let hasEncoder = reader.hasTensors(under: ["encoder."])
        let hasDecoder = reader.hasTensors(under: ["decoder."])
        guard hasEncoder || hasDecoder else { throw .noImageCodec(path: path) }
        try Self.checkArchitecture(config, path: path, encoder: hasEncoder)

        codebook = Codebook(
            count: config.numEmbeddings, dimension: config.embedDim,
            vectors: try reader.tensor("quantize.embedding.weight", shape: [config.numEmbeddings, config.embedDim]))
        encoder = hasEncoder ? try VQGANEncoder(config: config, reader: &reader) : nil
        decoder = hasDecoder ? try VQGANDecoder(config: config, reader: &reader) : nil
        let checkedNames = (hasEncoder ? ["encoder.", "quant_conv."] : []) + (hasDecoder ? ["decoder.", "post_quant_conv."] : [])
        if let extra = reader.unusedTensor(under: checkedNames) {
            throw .unexpectedTensor(path: path, name: extra)
        }
        // Names and shapes are hashed with the values, so the architecture is part of it too.
        fingerprint = reader.fingerprint
    }

    /// Rules the configuration must meet before any tensor is read, so a bad `vq_config` is
    /// reported as such rather than as the first tensor whose shape it gets wrong.
    static func checkArchitecture(_ config: VQGANConfig, path: String, encoder: Bool) throws(VQGANError) {
        let base = config.baseChannels
        for multiplier in config.channelMultiplier where (base * multiplier) % normGroups != 0 {
            throw .unsupportedConfig(path: path, reason: "base_channels \(base) × multiplier \(multiplier) = \(base * multiplier) channels, not a multiple of GroupNorm's \(normGroups) groups")
        }
        guard encoder, config.numResBlocks == 0 else { return }
        // Without residual blocks an encoder level never changes the channel count, yet the
        // reference declares level i's layers for base · multiplier[i − 1] channels.
        let multipliers = config.channelMultiplier
        for level in 1..<max(1, multipliers.count) {
            let arriving = base * (level == 1 ? 1 : multipliers[level - 2])
            let expected = base * multipliers[level - 1]
            guard arriving == expected else {
                throw .unsupportedConfig(path: path, reason: "encoder level \(level) expects \(expected) channels but receives \(arriving) (channel_multiplier \(multipliers) with num_res_blocks 0)")
            }
        }
    }

    // MARK: - Shape of the code grid

    /// Whether the checkpoint has an encoder (pictures → codes).
    public var canEncode: Bool { encoder != nil }
    /// Whether the checkpoint has a decoder (codes → pictures).
    public var canDecode: Bool { decoder != nil }
    /// Side of the square pictures the encoder takes and the decoder makes.
    public var resolution: Int { config.resolution }
    /// Side of the square code grid (resolution / 2^(levels − 1)).
    public var gridSide: Int { config.gridSide }
    /// Codes per picture.
    public var codesPerPicture: Int { gridSide * gridSide }
    /// Number of codes in the codebook.
    public var codebookSize: Int { config.numEmbeddings }
    /// Pixels per code along each side: 2^(levels − 1).
    public var pixelsPerCode: Int { resolution / gridSide }

    // MARK: - Encoding

    /// The codes (raster order) of a planar float picture (3 · resolution · resolution, values
    /// nominally in [−1, 1]).
    public func encode(planar pixels: [Float]) throws(VQGANError) -> [Int] {
        codebook.nearestCodes(try latents(planar: pixels))
    }

    /// The codes of a picture already at the model's resolution.
    public func encode(_ picture: RGBImage) throws(VQGANError) -> [Int] {
        guard picture.width == resolution && picture.height == resolution else {
            throw .wrongPictureSize(expected: resolution, width: picture.width, height: picture.height)
        }
        return try encode(planar: picture.normalizedCHW())
    }

    /// The quantizer's input z' = quant_conv(encoder(x)): (embed_dim, grid, grid).
    public func latents(planar pixels: [Float]) throws(VQGANError) -> FeatureMap {
        guard let encoder else { throw .noEncoder(path: path) }
        let expected = 3 * resolution * resolution
        guard pixels.count == expected else { throw .wrongPixelCount(expected: expected, found: pixels.count) }
        return encoder.latents(FeatureMap(channels: 3, height: resolution, width: resolution, values: pixels))
    }

    // MARK: - Decoding

    /// The planar float picture (3 · H · W, before 8-bit conversion) for a grid of codes.
    ///
    /// The grid defaults to the model's square grid; any other size decodes too (the picture is
    /// then gridWidth · ``pixelsPerCode`` wide), which the preview's per-code patches use.
    public func decode(codes: [Int], gridWidth: Int? = nil, gridHeight: Int? = nil) throws(VQGANError) -> FeatureMap {
        guard let decoder else { throw .noDecoder(path: path) }
        let width = gridWidth ?? gridSide, height = gridHeight ?? gridSide
        guard width > 0, height > 0, codes.count == width * height else {
            throw .wrongCodeCount(expected: Swift.max(0, width) * Swift.max(0, height), found: codes.count)
        }
        for (position, code) in codes.enumerated() where code < 0 || code >= codebook.count {
            throw .codeOutOfRange(code: code, position: position, codebookSize: codebook.count)
        }
        return decoder.picture(codebook.embedding(codes, height: height, width: width))
    }

    /// The 8-bit picture for a full grid of codes, converted as the reference engine does.
    public func decodePicture(codes: [Int]) throws(VQGANError) -> RGBImage {
        let picture = try decode(codes: codes)
        return RGBImage(normalizedCHW: picture.values, width: picture.width, height: picture.height)
    }
}
