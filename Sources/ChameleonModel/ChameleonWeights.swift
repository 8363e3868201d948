/// The weights of one decoder layer, as float32 in the Hugging Face layout
/// (q/k rows already permuted for rotate-half RoPE). Shapes use d = hidden size, H = heads,
/// Hkv = key/value heads, D = head dimension, F = intermediate size.
public struct ChameleonLayerWeights: Sendable {
    public let qProj: FloatTensor            // (H·D, d)
    public let kProj: FloatTensor            // (Hkv·D, d)
    public let vProj: FloatTensor            // (Hkv·D, d)
    public let oProj: FloatTensor            // (d, H·D)
    public let qProjBias: FloatTensor?       // (H·D), only with attention_bias
    public let kProjBias: FloatTensor?       // (Hkv·D)
    public let vProjBias: FloatTensor?       // (Hkv·D)
    public let oProjBias: FloatTensor?       // (d)
    public let qNormWeight: FloatTensor      // (H, D) per-head LayerNorm
    public let qNormBias: FloatTensor        // (H, D)
    public let kNormWeight: FloatTensor      // (Hkv, D)
    public let kNormBias: FloatTensor        // (Hkv, D)
    public let gateProj: FloatTensor         // (F, d)
    public let upProj: FloatTensor           // (F, d)
    public let downProj: FloatTensor         // (d, F)
    public let gateProjBias: FloatTensor?    // (F), only with mlp_bias
    public let upProjBias: FloatTensor?      // (F)
    public let downProjBias: FloatTensor?    // (d)
    public let inputLayerNorm: FloatTensor   // (d) RMSNorm; after attention in swin mode
    public let postAttentionLayerNorm: FloatTensor // (d) RMSNorm; after the MLP in swin mode
}

/// All language-model weights of a Chameleon checkpoint. The VQ image tokenizer's tensors
/// (`model.vqmodel.*`) are not part of this: they belong to the image codec.
public struct ChameleonWeights: Sendable {
    public let embedTokens: FloatTensor      // (vocab, d)
    public let layers: [ChameleonLayerWeights]
    public let norm: FloatTensor             // (d)
    /// (vocab, d). The same object as `embedTokens` when the config ties them.
    public let lmHead: FloatTensor

    /// Bytes of float32 weights held (a tied head is counted once).
    public var byteCount: Int {
        var total = embedTokens.byteCount + norm.byteCount
        if lmHead !== embedTokens { total += lmHead.byteCount }
        for layer in layers {
            let tensors: [FloatTensor?] = [
                layer.qProj, layer.kProj, layer.vProj, layer.oProj, layer.qProjBias, layer.kProjBias,
                layer.vProjBias, layer.oProjBias, layer.qNormWeight, layer.qNormBias, layer.kNormWeight,
                layer.kNormBias, layer.gateProj, layer.upProj, layer.downProj, layer.gateProjBias,
                layer.upProjBias, layer.downProjBias, layer.inputLayerNorm, layer.postAttentionLayerNorm,
            ]
            total += tensors.reduce(0) { $0 + ($1?.byteCount ?? 0) }
        }
        return total
    }
}
