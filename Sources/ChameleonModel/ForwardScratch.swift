import TensorMath

/// Every activation buffer one forward pass needs, allocated once and grown only when a larger
/// batch arrives, so steady-state decoding allocates nothing per token.
public final class ForwardScratch {
    let config: ChameleonConfig
    private(set) var tokenCapacity = 0
    private(set) var logitRowCapacity = 0

    var x = Buffer()          // (N, d) residual stream
    var normed = Buffer()     // (N, d) normalised input of a sub-layer
    var q = Buffer()          // (N, H·D)
    var k = Buffer()          // (N, Hkv·D)
    var v = Buffer()          // (N, Hkv·D)
    var attention = Buffer()  // (N, H·D) attention output before o_proj
    var projected = Buffer()  // (N, d) o_proj or down_proj output
    var gate = Buffer()       // (N, F)
    /// Quantized activations for q8/q4 products.
    let productWorkspace = ProductWorkspace()
    var up = Buffer()         // (N, F)
    var logitInput = Buffer() // (L, d) final-normed rows whose logits are wanted
    var logits = Buffer()     // (L, vocab)
    var scores = Buffer()     // (jobs, longest) attention scores, one row per (entry, head)
    var ropeCos = Buffer()    // (N, D/2) rotary cosines of each entry's position
    var ropeSin = Buffer()    // (N, D/2)
    /// Each entry's position in the last pass (kept for its capacity).
    var positions: [Int] = []

    public init(config: ChameleonConfig) {
        self.config = config
    }

    /// Grows the buffers for `tokens` batch entries of which `logitRows` want logits.
    func reserve(tokens: Int, logitRows: Int) {
        if tokens > tokenCapacity {
            let n = max(tokens, tokenCapacity * 2)
            let d = config.hiddenSize, hd = config.headDim
            let qDim = config.numAttentionHeads * hd, kvDim = config.numKeyValueHeads * hd
            x.resize(n * d); normed.resize(n * d); projected.resize(n * d)
            q.resize(n * qDim); attention.resize(n * qDim)
            k.resize(n * kvDim); v.resize(n * kvDim)
            gate.resize(n * config.intermediateSize); up.resize(n * config.intermediateSize)
            tokenCapacity = n
        }
        if logitRows > logitRowCapacity {
            let n = max(logitRows, logitRowCapacity * 2)
            logitInput.resize(n * config.hiddenSize)
            logits.resize(n * config.vocabSize)
            logitRowCapacity = n
        }
    }

    /// Room for `jobs` rows of `length` attention scores, grown geometrically.
    func attentionScores(jobs: Int, length: Int) -> UnsafeMutablePointer<Float> {
        let needed = jobs * length
        if needed > scores.count { scores.resize(max(needed, scores.count * 2)) }
        return scores.pointer
    }

    /// Room for `count` rotary cosines and sines.
    func rotations(count: Int) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        if count > ropeCos.count {
            ropeCos.resize(max(count, ropeCos.count * 2))
            ropeSin.resize(max(count, ropeSin.count * 2))
        }
        return (ropeCos.pointer, ropeSin.pointer)
    }

    /// Row `row` of the logits the last forward pass produced (vocabulary-sized).
    public func logits(row: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: logits.pointer + row * config.vocabSize, count: config.vocabSize)
    }

    /// A float buffer with a stable address, reallocated only when it must grow.
    struct Buffer {
        private(set) var pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        private(set) var count = 0

        mutating func resize(_ newCount: Int) {
            guard newCount > count else { return }
            pointer.deallocate()
            pointer = .allocate(capacity: newCount)
            pointer.initialize(repeating: 0, count: newCount)
            count = newCount
        }

        func free() { pointer.deallocate() }
    }

    deinit {
        for buffer in [x, normed, q, k, v, attention, projected, gate, up, logitInput, logits, scores, ropeCos, ropeSin] { buffer.free() }
    }
}

extension ForwardScratch {
    /// Runs `body` on logits row 0 of the last pass, in place (for samplers in benchmarks).
    public func withFirstLogitRow<R>(_ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
        body(UnsafeMutableBufferPointer(start: logits.pointer, count: config.vocabSize))
    }
}
