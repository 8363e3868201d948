import ModelConfiguration

// MARK: - Decoder: quantised latents → picture
//
// Port of the architecture of Meta's taming `vqgan.Decoder` (the one Anole and the unmerged
// transformers ports share; chameleon-format.md §4.6), with Meta's tensor names under
// `model.vqmodel.`: post_quant_conv; decoder.conv_in; mid block_1 → attn_1 → block_2; levels
// `up.{i}` run from the last to the first, each with num_res_blocks + 1 residual blocks (each
// followed by attention when the level's resolution is in attn_resolutions) and, except level 0,
// a nearest ×2 up-sampling then a 3×3 conv; norm_out → swish → conv_out. No tanh.

/// One resolution level of the decoder, stored under `decoder.up.{level}`.
struct DecoderLevel: Sendable {
    let blocks: [ResidualBlock]
    /// Empty, or one attention block after each residual block.
    let attentions: [AttentionBlock]
    let upsample: Convolution?
}

/// The VQGAN decoder with `post_quant_conv`, its float32 weights loaded.
struct VQGANDecoder: Sendable {
    let postQuantConv: Convolution
    let convIn: Convolution
    let midBlock1: ResidualBlock
    let midAttention: AttentionBlock?
    let midBlock2: ResidualBlock
    /// Indexed by level (`up.0` first); they run in reverse.
    let levels: [DecoderLevel]
    let normOut: GroupNormalization
    let convOut: Convolution

    init(config: VQGANConfig, reader: inout VQGANWeightReader) throws(VQGANError) {
        let base = config.baseChannels
        let multipliers = config.channelMultiplier
        let attentionAt = Set(config.attnType == "vanilla" ? config.attnResolutions : [])
        var channels = base * multipliers[multipliers.count - 1]
        var resolution = config.gridSide
        postQuantConv = try reader.convolution("post_quant_conv", in: config.embedDim, out: config.latentChannels, kernel: 1)
        convIn = try reader.convolution("decoder.conv_in", in: config.latentChannels, out: channels, kernel: 3)
        midBlock1 = try reader.residualBlock("decoder.mid.block_1", in: channels, out: channels)
        midAttention = config.attnType == "vanilla" ? try reader.attentionBlock("decoder.mid.attn_1", channels: channels) : nil
        midBlock2 = try reader.residualBlock("decoder.mid.block_2", in: channels, out: channels)
        var levels = [DecoderLevel?](repeating: nil, count: multipliers.count)
        for level in multipliers.indices.reversed() {
            let blockOut = base * multipliers[level]
            var blocks: [ResidualBlock] = [], attentions: [AttentionBlock] = []
            for index in 0...config.numResBlocks {
                blocks.append(try reader.residualBlock("decoder.up.\(level).block.\(index)", in: channels, out: blockOut))
                channels = blockOut
                if attentionAt.contains(resolution) {
                    attentions.append(try reader.attentionBlock("decoder.up.\(level).attn.\(index)", channels: channels))
                }
            }
            var upsample: Convolution?
            if level != 0 {
                upsample = try reader.convolution("decoder.up.\(level).upsample.conv", in: channels, out: channels, kernel: 3)
                resolution *= 2
            }
            levels[level] = DecoderLevel(blocks: blocks, attentions: attentions, upsample: upsample)
        }
        self.levels = levels.compactMap { $0 }
        normOut = try reader.groupNorm("decoder.norm_out", channels: channels)
        convOut = try reader.convolution("decoder.conv_out", in: channels, out: config.outChannels, kernel: 3)
    }

    /// The picture (out_channels, grid·2^(levels−1) per side) for quantised latents
    /// (embed_dim, grid height, grid width).
    func picture(_ quantized: FeatureMap) -> FeatureMap {
        var h = convIn(postQuantConv(quantized))
        h = midBlock1(h)
        if let midAttention { h = midAttention(h) }
        h = midBlock2(h)
        for level in levels.reversed() {
            for (index, block) in level.blocks.enumerated() {
                h = block(h)
                if !level.attentions.isEmpty { h = level.attentions[index](h) }
            }
            if let upsample = level.upsample { h = upsample(upsampled(h)) }
        }
        return convOut(normOut(h, swish: true))
    }
}
