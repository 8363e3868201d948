import ModelConfiguration
import TensorMath

// MARK: - Encoder: picture → latents z' = quant_conv(encoder(x))
//
// Port of the architecture of transformers' `ChameleonVQVAEEncoder` (= Meta's taming
// `vqgan.Encoder`), chameleon-format.md §4.3: conv_in; per level `num_res_blocks` residual
// blocks, each followed by attention when the level's resolution is in attn_resolutions, then a
// stride-2 down-sampling (pad right and bottom by one) except at the last level; mid
// block_1 → attn_1 → block_2; norm_out → swish → conv_out; then quant_conv.

/// One resolution level of the encoder.
struct EncoderLevel: Sendable {
    let blocks: [ResidualBlock]
    /// Empty, or one attention block after each residual block.
    let attentions: [AttentionBlock]
    let downsample: Convolution?
}

/// The VQGAN encoder with `quant_conv`, its float32 weights loaded.
struct VQGANEncoder: Sendable {
    let convIn: Convolution
    let levels: [EncoderLevel]
    let midBlock1: ResidualBlock
    let midAttention: AttentionBlock?
    let midBlock2: ResidualBlock
    let normOut: GroupNormalization
    let convOut: Convolution
    let quantConv: Convolution

    /// Builds the encoder `config` describes from `encoder.*` and `quant_conv.*`, following the
    /// reference's channel bookkeeping exactly (so the tensor shapes are the reference's).
    init(config: VQGANConfig, reader: inout VQGANWeightReader) throws(VQGANError) {
        let base = config.baseChannels
        let multipliers = config.channelMultiplier
        let inputMultipliers = [1] + multipliers
        let attentionAt = Set(config.attnType == "vanilla" ? config.attnResolutions : [])
        convIn = try reader.convolution("encoder.conv_in", in: config.inChannels, out: base, kernel: 3)
        var channels = base
        var resolution = config.resolution
        var levels: [EncoderLevel] = []
        for level in multipliers.indices {
            let blockIn = base * inputMultipliers[level], blockOut = base * multipliers[level]
            // With no residual blocks the reference never adapts the channel count, so a level
            // whose declared input width differs from what arrives cannot run there either.
            guard channels == blockIn else {
                throw .unsupportedConfig(path: reader.path, reason: "encoder level \(level) expects \(blockIn) channels but receives \(channels) (channel_multiplier \(multipliers) with num_res_blocks \(config.numResBlocks))")
            }
            var blocks: [ResidualBlock] = [], attentions: [AttentionBlock] = []
            for index in 0..<config.numResBlocks {
                blocks.append(try reader.residualBlock("encoder.down.\(level).block.\(index)", in: channels, out: blockOut))
                channels = blockOut
                if attentionAt.contains(resolution) {
                    attentions.append(try reader.attentionBlock("encoder.down.\(level).attn.\(index)", channels: channels))
                }
            }
            var downsample: Convolution?
            if level != multipliers.count - 1 {
                downsample = try reader.convolution("encoder.down.\(level).downsample.conv", in: channels, out: channels, kernel: 3)
                resolution /= 2
            }
            levels.append(EncoderLevel(blocks: blocks, attentions: attentions, downsample: downsample))
        }
        self.levels = levels
        midBlock1 = try reader.residualBlock("encoder.mid.block_1", in: channels, out: channels)
        midAttention = config.attnType == "vanilla" ? try reader.attentionBlock("encoder.mid.attn_1", channels: channels) : nil
        midBlock2 = try reader.residualBlock("encoder.mid.block_2", in: channels, out: channels)
        normOut = try reader.groupNorm("encoder.norm_out", channels: channels)
        convOut = try reader.convolution("encoder.conv_out", in: channels, out: config.latentChannels, kernel: 3)
        quantConv = try reader.convolution("quant_conv", in: config.latentChannels, out: config.embedDim, kernel: 1)
    }

    /// z' for one picture: (embed_dim, grid, grid) from (in_channels, resolution, resolution).
    func latents(_ picture: FeatureMap) -> FeatureMap {
        var h = convIn(picture)
        for level in levels {
            for (index, block) in level.blocks.enumerated() {
                h = block(h)
                if !level.attentions.isEmpty { h = level.attentions[index](h) }
            }
            if let downsample = level.downsample {
                // No asymmetric padding in PyTorch's conv: the reference pads right and bottom by one.
                h = downsample(h, stride: 2, padding: ConvolutionPadding(top: 0, left: 0, bottom: 1, right: 1))
            }
        }
        h = midBlock1(h)
        if let midAttention { h = midAttention(h) }
        h = midBlock2(h)
        return quantConv(convOut(normOut(h, swish: true)))
    }
}
