import TensorMath

/// The weights of one decoder layer in the Hugging Face layout: the seven projections in the
/// ``WeightFormat`` chosen at load, norms and biases as float32
/// (q/k rows already permuted for rotate-half RoPE). Shapes use d = hidden size, H = heads,
/// Hkv = key/value heads, D = head dimension, F = intermediate size.
public struct ChameleonLayerWeights: Sendable {
    public let qProj: WeightMatrix         // (H·D, d)
    public let kProj: WeightMatrix         // (Hkv·D, d)
    public let vProj: WeightMatrix         // (Hkv·D, d)
    public let oProj: WeightMatrix         // (d, H·D)
    public let qProjBias: FloatTensor?       // (H·D), only with attention_bias
    public let kProjBias: FloatTensor?       // (Hkv·D)
    public let vProjBias: FloatTensor?       // (Hkv·D)
    public let oProjBias: FloatTensor?       // (d)
    public let qNormWeight: FloatTensor      // (H, D) per-head LayerNorm
    public let qNormBias: FloatTensor        // (H, D)
    public let kNormWeight: FloatTensor      // (Hkv, D)
    public let kNormBias: FloatTensor        // (Hkv, D)
    public let gateProj: WeightMatrix      // (F, d)
    public let upProj: WeightMatrix        // (F, d)
    public let downProj: WeightMatrix      // (d, F)
    public let gateProjBias: FloatTensor?    // (F), only with mlp_bias
    public let upProjBias: FloatTensor?      // (F)
    public let downProjBias: FloatTensor?    // (d)
    public let inputLayerNorm: FloatTensor   // (d) RMSNorm; after attention in swin mode
    public let postAttentionLayerNorm: FloatTensor // (d) RMSNorm; after the MLP in swin mode
}

extension ChameleonLayerWeights {
    /// The seven projections.
    var matrices: [WeightMatrix] { [qProj, kProj, vProj, oProj, gateProj, upProj, downProj] }

    /// Norms and the biases the config has, all float32.
    var vectors: [FloatTensor] {
        [qProjBias, kProjBias, vProjBias, oProjBias, qNormWeight, qNormBias, kNormWeight, kNormBias,
         gateProjBias, upProjBias, downProjBias, inputLayerNorm, postAttentionLayerNorm].compactMap { $0 }
    }
}

/// All language-model weights of a Chameleon checkpoint. The VQ image tokenizer's tensors
/// (`model.vqmodel.*`) are not part of this: they belong to the image codec.
public struct ChameleonWeights: Sendable {
    public let embedTokens: FloatTensor      // (vocab, d)
    public let layers: [ChameleonLayerWeights]
    public let norm: FloatTensor             // (d)
    /// (vocab, d) in the chosen format; a copy of the embedding table when the config ties them.
    public let lmHead: WeightMatrix

    /// Bytes of weights held, the input embedding table included.
    public var byteCount: Int { embedTokens.byteCount + bytesReadPerToken }

    /// Bytes a decoded token streams from memory: every weight but the input embedding table,
    /// of which one row is read.
    public var bytesReadPerToken: Int {
        var total = norm.byteCount + lmHead.byteCount
        for layer in layers {
            total += layer.matrices.reduce(0) { $0 + $1.byteCount } + layer.vectors.reduce(0) { $0 + $1.byteCount }
        }
        return total
    }

    /// Whether the config ties the output head to the embedding table (`lmHead` is then a
    /// converted copy of it).
    public let tiedHead: Bool

    /// The format the projections were asked to load in (a matrix whose width is not a multiple
    /// of 32 stays in bf16 under q8/q4).
    public let format: WeightFormat
}
