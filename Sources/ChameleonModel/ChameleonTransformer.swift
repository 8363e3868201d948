import TensorMath

/// One token to run through the model: which sequence (cache) it extends, and whether its
/// next-token logits are wanted.
public struct BatchEntry {
    public var token: Int
    public var cache: KVCache
    public var wantsLogits: Bool

    public init(token: Int, cache: KVCache, wantsLogits: Bool) {
        self.token = token
        self.cache = cache
        self.wantsLogits = wantsLogits
    }
}

/// The Chameleon decoder: a Llama-style transformer with per-head QK LayerNorm and optional
/// swin norm placement, computed in float32 exactly as Hugging Face's
/// `ChameleonForConditionalGeneration` computes it (before its image-token masking).
///
/// A forward pass takes any mix of sequences: a prefill chunk of one sequence, three guidance
/// rows of one step each, or both. Every weight matrix is read once per pass for all entries.
///
///     let model = ChameleonTransformer(config: config, weights: weights)
///     let cache = model.makeCache()
///     let scratch = ForwardScratch(config: config)
///     model.forward([BatchEntry(token: 0, cache: cache, wantsLogits: true)], scratch: scratch)
///     let logits = scratch.logits(row: 0)
public final class ChameleonTransformer: Sendable {
    public let config: ChameleonConfig
    public let weights: ChameleonWeights
    private let rope: RopeTables

    /// - Parameters:
    ///   - contextLength: a shorter context than the config's (tests of a full context).
    ///   - kvPrecision: how caches store keys and values; by default float32 for float32 weights
    ///     (the reference's computation) and bf16 for every narrower format.
    public init(config: ChameleonConfig, weights: ChameleonWeights, contextLength: Int? = nil,
                kvPrecision: KVPrecision? = nil) {
        self.config = config
        self.weights = weights
        self.kvPrecision = kvPrecision ?? (weights.layers.first?.qProj.format == .f32 ? .f32 : .bf16)
        // Rotations are computed per pass for the positions in it, so memory does not grow with
        // `max_position_embeddings` (a hostile config cannot make loading allocate gigabytes).
        rope = RopeTables(headDim: config.headDim, theta: config.ropeTheta)
        self.contextLength = min(config.maxPositionEmbeddings, contextLength ?? config.maxPositionEmbeddings)
    }

    /// The longest sequence this model runs: its `max_position_embeddings`, or less if asked.
    public let contextLength: Int
    /// How this model's caches store keys and values.
    public let kvPrecision: KVPrecision

    /// An empty cache for one sequence.
    public func makeCache(initialCapacity: Int = 256) -> KVCache {
        KVCache(layerCount: config.numHiddenLayers, kvHeads: config.numKeyValueHeads, headDim: config.headDim,
                maxLength: contextLength, precision: kvPrecision, initialCapacity: initialCapacity)
    }

    /// Runs `entries` through the model, appending each token to its cache in order.
    ///
    /// Rows of `scratch.logits` receive the logits of the entries that want them, in entry order.
    /// With `logitRange` only those ids' logits are computed (the output head reads only their
    /// rows) and the rest are −∞: a step where only picture codes may come next.
    /// Preconditions: tokens are in `0..<vocabSize`, every cache stays within `contextLength`, and
    /// `logitRange` lies within the vocabulary.
    public func forward(_ entries: [BatchEntry], scratch: ForwardScratch, logitRange: Range<Int>? = nil) {
        let n = entries.count
        guard n > 0 else { return }
        let c = config
        let d = c.hiddenSize, heads = c.numAttentionHeads, kvHeads = c.numKeyValueHeads
        let hd = c.headDim, qDim = heads * hd, kvDim = kvHeads * hd, f = c.intermediateSize
        let logitRows = entries.reduce(0) { $0 + ($1.wantsLogits ? 1 : 0) }
        scratch.reserve(tokens: n, logitRows: logitRows)

        // Positions: each entry goes after what its cache held before, in batch order. The
        // scratch's arrays keep their capacity, so a steady decode allocates nothing here.
        scratch.positions.removeAll(keepingCapacity: true)
        for entry in entries {
            precondition(entry.token >= 0 && entry.token < c.vocabSize, "token \(entry.token) out of range")
            // Entries of one sequence are few and adjacent; a linear scan beats hashing here.
            var position = entry.cache.length
            for j in stride(from: scratch.positions.count - 1, through: 0, by: -1) where entries[j].cache === entry.cache {
                position = scratch.positions[j] + 1
                break
            }
            scratch.positions.append(position)
        }
        for (i, entry) in entries.enumerated() {
            entry.cache.reserve(scratch.positions[i] + 1)
        }
        let positions = scratch.positions
        let half = hd / 2
        let (ropeCos, ropeSin) = scratch.rotations(count: n * half)
        for i in 0..<n {
            rope.angles(position: positions[i], cos: ropeCos + i * half, sin: ropeSin + i * half)
        }

        let x = scratch.x.pointer, normed = scratch.normed.pointer
        for (i, entry) in entries.enumerated() {
            (x + i * d).update(from: weights.embedTokens.data + entry.token * d, count: d)
        }

        for (l, layer) in weights.layers.enumerated() {
            // MARK: Attention
            let attentionInput: UnsafeMutablePointer<Float>
            if c.swinNorm {
                attentionInput = x
            } else {
                eachRow(n) { i in
                    rmsNorm(x + i * d, weight: layer.inputLayerNorm.data, eps: c.rmsNormEps, n: d, out: normed + i * d)
                }
                attentionInput = normed
            }
            linear(attentionInput, n, layer.qProj, layer.qProjBias, scratch.q.pointer, scratch)
            linear(attentionInput, n, layer.kProj, layer.kProjBias, scratch.k.pointer, scratch)
            linear(attentionInput, n, layer.vProj, layer.vProjBias, scratch.v.pointer, scratch)

            eachRow(n) { i in
                let q = scratch.q.pointer + i * qDim, k = scratch.k.pointer + i * kvDim
                for h in 0..<heads {
                    layerNorm(q + h * hd, weight: layer.qNormWeight.data + h * hd,
                              bias: layer.qNormBias.data + h * hd, eps: 1e-5, n: hd, out: q + h * hd)
                }
                for h in 0..<kvHeads {
                    layerNorm(k + h * hd, weight: layer.kNormWeight.data + h * hd,
                              bias: layer.kNormBias.data + h * hd, eps: 1e-5, n: hd, out: k + h * hd)
                }
                rope.apply(q, heads: heads, cos: ropeCos + i * half, sin: ropeSin + i * half)
                rope.apply(k, heads: kvHeads, cos: ropeCos + i * half, sin: ropeSin + i * half)
                let cache = entries[i].cache
                cache.store(layer: l, position: positions[i], key: k, value: scratch.v.pointer + i * kvDim)
            }
            attend(entries, positions: positions, layer: l, scratch: scratch)
            linear(scratch.attention.pointer, n, layer.oProj, layer.oProjBias, scratch.projected.pointer, scratch)
            addResidual(x, scratch.projected.pointer, n: n, norm: c.swinNorm ? layer.inputLayerNorm : nil)

            // MARK: MLP
            let mlpInput: UnsafeMutablePointer<Float>
            if c.swinNorm {
                mlpInput = x
            } else {
                eachRow(n) { i in
                    rmsNorm(x + i * d, weight: layer.postAttentionLayerNorm.data, eps: c.rmsNormEps, n: d, out: normed + i * d)
                }
                mlpInput = normed
            }
            linear(mlpInput, n, layer.gateProj, layer.gateProjBias, scratch.gate.pointer, scratch)
            linear(mlpInput, n, layer.upProj, layer.upProjBias, scratch.up.pointer, scratch)
            let gate = scratch.gate.pointer, up = scratch.up.pointer
            eachRow(n) { i in swiGLU(gate: gate + i * f, up: up + i * f, n: f) }
            linear(scratch.gate.pointer, n, layer.downProj, layer.downProjBias, scratch.projected.pointer, scratch)
            addResidual(x, scratch.projected.pointer, n: n, norm: c.swinNorm ? layer.postAttentionLayerNorm : nil)
        }

        for (i, entry) in entries.enumerated() {
            entry.cache.length = max(entry.cache.length, positions[i] + 1)
        }

        // MARK: Head
        guard logitRows > 0 else { return }
        var row = 0
        for (i, entry) in entries.enumerated() where entry.wantsLogits {
            rmsNorm(x + i * d, weight: weights.norm.data, eps: c.rmsNormEps, n: d, out: scratch.logitInput.pointer + row * d)
            row += 1
        }
        matmulTransposed(x: scratch.logitInput.pointer, rows: logitRows, w: weights.lmHead,
                         y: scratch.logits.pointer, workspace: scratch.productWorkspace, outputs: logitRange)
        if let logitRange {
            let v = c.vocabSize
            for row in 0..<logitRows {
                let logits = scratch.logits.pointer + row * v
                logits.update(repeating: -.infinity, count: logitRange.lowerBound)
                (logits + logitRange.upperBound).update(repeating: -.infinity, count: v - logitRange.upperBound)
            }
        }
    }

    // MARK: - Pieces of the pass

    /// y = x · Wᵀ (+ b) for `rows` rows.
    private func linear(_ x: UnsafePointer<Float>, _ rows: Int, _ w: WeightMatrix, _ bias: FloatTensor?,
                        _ y: UnsafeMutablePointer<Float>, _ scratch: ForwardScratch) {
        let outDim = w.outDim
        matmulTransposed(x: x, rows: rows, w: w, y: y, workspace: scratch.productWorkspace)
        if let bias {
            for r in 0..<rows { addInPlace(y + r * outDim, bias.data, n: outDim) }
        }
    }

    /// body(i) for every row i < n, rows split between the cores when a prefill has enough of them
    /// (the norms, rotations and activations between the products would otherwise leave a core
    /// idle); a decode step's few rows run here.
    private func eachRow(_ n: Int, _ body: (Int) -> Void) {
        parallelChunks(count: n, minChunk: 16) { range in
            for i in range { body(i) }
        }
    }

    /// x += delta, or x += RMSNorm(delta) in swin mode.
    private func addResidual(_ x: UnsafeMutablePointer<Float>, _ delta: UnsafeMutablePointer<Float>, n: Int, norm: FloatTensor?) {
        let d = config.hiddenSize
        eachRow(n) { i in
            if let norm {
                rmsNorm(delta + i * d, weight: norm.data, eps: config.rmsNormEps, n: d, out: delta + i * d)
            }
            addInPlace(x + i * d, delta + i * d, n: d)
        }
    }

    /// Causal attention of every entry over its own cache, positions 0...its own.
    private func attend(_ entries: [BatchEntry], positions: [Int], layer: Int, scratch: ForwardScratch) {
        let heads = config.numAttentionHeads, hd = config.headDim
        let group = heads / config.numKeyValueHeads
        let scale = 1 / Float(hd).squareRoot()
        let q = scratch.q.pointer, out = scratch.attention.pointer
        let longest = (positions.max() ?? 0) + 1
        // One row of scores per (entry, head) job, kept in the scratch between passes. Jobs run
        // head by head, so consecutive jobs of a thread read the same head's keys and values
        // (from cache, in a prefill) instead of every head's in turn.
        let n = entries.count
        let allScores = scratch.attentionScores(jobs: n * heads, length: longest)
        parallelChunks(count: n * heads, minChunk: 1) { range in
            for job in range {
                let scores = allScores + job * longest
                let h = job / n, i = job % n, kvHead = h / group
                let span = positions[i] + 1
                let query = q + i * heads * hd + h * hd
                let cache = entries[i].cache, stored = cache.storage(layer: layer)
                let o = out + i * heads * hd + h * hd
                let head = kvHead * stored.headStride
                switch cache.precision {
                case .f32:
                    let keys = stored.keys.assumingMemoryBound(to: Float.self) + head
                    let values = stored.values.assumingMemoryBound(to: Float.self) + head
                    attentionRow(query: query, headDim: hd, keys: keys, values: values, stride: hd, span: span,
                                 scale: scale, scores: scores, out: o)
                case .bf16:
                    let keys = stored.keys.assumingMemoryBound(to: UInt16.self) + head
                    let values = stored.values.assumingMemoryBound(to: UInt16.self) + head
                    attentionRow(query: query, headDim: hd, bfloat16Keys: keys, values: values, stride: hd,
                                 span: span, scale: scale, scores: scores, out: o)
                }
            }
        }
    }
}
