import CKernels

/// One query row of one attention head against a sequence's cached keys and values:
/// `scores[s] = (query · key_s) × scale` for s < `span`, softmax over them (left in `scores`),
/// then `out = Σ_s scores[s] · value_s`. Key and value s start `s × stride` floats after `keys`
/// and `values`. Runs at the CPU's full vector width (the C kernels' AVX-512 level where present).
/// Precondition: `scores` holds `span` floats, `out` `headDim` floats, neither aliasing the rest.
@inline(__always)
public func attentionRow(
    query: UnsafePointer<Float>, headDim: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
    stride: Int, span: Int, scale: Float, scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
) {
    ok_attention_row(query, Int64(headDim), keys, values, Int64(stride), Int64(span), scale, scores, out)
}

/// ``attentionRow(query:headDim:keys:values:stride:span:scale:scores:out:)`` over keys and values
/// stored as bfloat16 bit patterns (a half-size KV cache); the products are float32.
@inline(__always)
public func attentionRow(
    query: UnsafePointer<Float>, headDim: Int, bfloat16Keys keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
    stride: Int, span: Int, scale: Float, scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
) {
    ok_attention_row_bf16(query, Int64(headDim), keys, values, Int64(stride), Int64(span), scale, scores, out)
}
