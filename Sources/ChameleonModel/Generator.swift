import TensorMath

/// Generates one token sequence mixing text and picture codes, the way the reference engine
/// does: a modality state machine, the reference sampling steps, and classifier-free guidance
/// for picture codes with three rows (full prompt, images only, unconditional) computed in one
/// pass over the weights per step.
///
/// The generator owns the main sequence's KV cache, so a conversation can append a user turn
/// and generate again without recomputing what came before.
///
///     let generator = Generator(model: model, vocabulary: vocabulary, options: options)
///     generator.append([0, 17, 42])
///     while let token = generator.next() { print(token.id) }
public final class Generator {
    public let model: ChameleonTransformer
    public let vocabulary: ChameleonVocabulary
    public var options: GenerationOptions {
        didSet { if options.seed != oldValue.seed { rng = SeededGenerator(seed: options.seed) } }
    }

    /// Every token of the sequence: prompt and generated.
    public private(set) var sequence: [Int] = []
    public private(set) var state: ModalityState
    /// Why the last `next()` returned nil.
    public private(set) var stopReason: StopReason?

    /// Forward passes run so far (each one reads every weight once, whatever its batch).
    public private(set) var forwardPasses = 0

    // Internal rather than private: the speculative picture decoding in Generator+Jacobi.swift
    // works on the same caches, rows and random stream.
    let scratch: ForwardScratch
    let cache: KVCache
    /// Tokens appended to `sequence` but not yet run through the model.
    var unfed: [Int] = []
    private var nextLogits: [Float]
    private var work: [Float]
    var guidance: GuidanceRows?
    var sampler = TokenSampler()
    var rng: SeededGenerator
    private var generatedThisCall = 0
    /// Largest number of entries in one forward pass (bounds scratch memory).
    private let maxBatch = 128
    /// Drafts and accepted codes of speculative Jacobi decoding (Generator+Jacobi.swift).
    var speculation = Speculation()

    /// The two extra rows of classifier-free guidance while a picture is drawn.
    struct GuidanceRows {
        let imageConditioned: KVCache
        let unconditioned: KVCache
        var imageLogits: [Float]
        var unconditionedLogits: [Float]
    }

    public init(model: ChameleonTransformer, vocabulary: ChameleonVocabulary, options: GenerationOptions = GenerationOptions()) {
        self.model = model
        self.vocabulary = vocabulary
        self.options = options
        scratch = ForwardScratch(config: model.config)
        cache = model.makeCache()
        state = ModalityState(mode: options.mode, tokensPerImage: model.config.vqConfig.tokensPerImage)
        nextLogits = [Float](repeating: 0, count: model.config.vocabSize)
        work = nextLogits
        rng = SeededGenerator(seed: options.seed)
    }

    /// Restarts the sampler's random stream from the seed and the current sequence length, so
    /// the same seed at the same point of a conversation gives the same continuation (a
    /// regenerated reply, a resumed session), while successive replies still differ.
    public func reseed() {
        rng = SeededGenerator(seed: options.seed ^ (UInt64(sequence.count) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// The model's context length.
    public var contextLength: Int { model.contextLength }

    /// Appends tokens (a prompt, a user turn) to the sequence. They run through the model lazily,
    /// in chunks, when the next token is asked for.
    /// Precondition: ids are valid and the sequence stays within the context.
    public func append(_ tokens: [Int]) {
        precondition(sequence.count + tokens.count <= contextLength, "Generator: the context is full")
        dropSpeculation()
        for token in tokens {
            sequence.append(token)
            unfed.append(token)
            state.advance(past: token, vocabulary: vocabulary)
        }
        stopReason = nil
        generatedThisCall = 0
    }

    /// Runs the appended tokens through the model and returns the raw logits (before any
    /// masking) at every one of them, as a (tokens × vocabulary) row-major array.
    public func prefillCollectingLogits() -> [Float] {
        dropSpeculation()
        let v = model.config.vocabSize
        var all = [Float](repeating: 0, count: unfed.count * v)
        let count = unfed.count
        feed(collect: { index, logits in
            all.withUnsafeMutableBufferPointer { dest in
                (dest.baseAddress! + index * v).update(from: logits.baseAddress!, count: v)
            }
        })
        precondition(count > 0 || all.isEmpty)
        return all
    }

    /// The raw logits (before masking and sampling) for the token after the sequence; runs any
    /// appended tokens through the model first. Reading them changes nothing that follows.
    public func nextTokenLogits() -> [Float] {
        dropSpeculation()
        feed(collect: nil, wholeVocabulary: true)
        // `next()` leaves the token it chose unfed (and `dropSpeculation` the last code), so the
        // feed above ran: these are the whole vocabulary's logits, not a picture step's codes.
        return nextLogits
    }

    /// Forgets every token from `length` on, so a conversation can be rewound.
    public func truncate(to length: Int) {
        precondition(length <= sequence.count, "Generator: cannot truncate beyond the sequence")
        dropSpeculation()
        let fed = sequence.count - unfed.count
        if length < fed {
            cache.truncate(to: length)
            unfed = []
        } else {
            unfed.removeLast(sequence.count - length)
        }
        sequence.removeLast(sequence.count - length)
        state = ModalityState(mode: options.mode, tokensPerImage: state.tokensPerImage)
        for token in sequence { state.advance(past: token, vocabulary: vocabulary) }
        guidance = nil
        stopReason = nil
        generatedThisCall = 0
        if unfed.isEmpty && !sequence.isEmpty {
            // The logits at the new end are unknown: re-run the last token.
            cache.truncate(to: length - 1)
            unfed = [sequence[length - 1]]
        }
    }

    /// Produces the next token, or nil when generation has stopped (see `stopReason`).
    public func next() -> GeneratedToken? {
        guard !sequence.isEmpty else { return nil }
        if !state.isInImage {
            if generatedThisCall >= options.maxNewTokens { return stop(.maxTokens) }
            if let last = sequence.last, generatedThisCall > 0, isStop(last) { return stop(.stopToken) }
        }
        if sequence.count >= contextLength { return stop(.contextFull) }
        if let forced = state.forcedToken(vocabulary: vocabulary) {
            dropSpeculation()
            return emit(forced, forced: true)
        }
        if speculation.pending.isEmpty { speculateIfUseful() }
        if !speculation.pending.isEmpty {
            let decided = speculation.pending.removeFirst()
            return emit(decided.token, forced: false, alreadyInCache: decided.inCache)
        }
        feed(collect: nil)
        return emit(choose(), forced: false)
    }

    // MARK: - Choosing a token

    private func choose() -> Int {
        let inImage = state.isInImage
        let parameters = inImage ? options.image : options.text
        let length = sequence.count
        return work.withUnsafeMutableBufferPointer { logits in
            nextLogits.withUnsafeBufferPointer { full in
                if inImage, let rows = guidance {
                    combineGuidance(full: full, rows: rows, into: logits)
                } else {
                    _ = logits.update(from: full)
                }
            }
            state.mask(logits, vocabulary: vocabulary, sequenceLength: length, contextLength: contextLength)
            return sampler.sample(logits, parameters: parameters, history: inImage ? [] : sequence, rng: &rng)
        }
    }

    /// l = l_u + g_img·(l_i − l_u) + g_txt·(l_f − l_i), over the whole vocabulary.
    private func combineGuidance(full: UnsafeBufferPointer<Float>, rows: GuidanceRows, into out: UnsafeMutableBufferPointer<Float>) {
        rows.imageLogits.withUnsafeBufferPointer { image in
            rows.unconditionedLogits.withUnsafeBufferPointer { unconditioned in
                combineGuidance(full: full, image: image, unconditioned: unconditioned, into: out)
            }
        }
    }

    /// The guidance combination for one position from its three rows' logits.
    func combineGuidance(full: UnsafeBufferPointer<Float>, image: UnsafeBufferPointer<Float>,
                         unconditioned: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        let gText = options.guidanceText, gImage = options.guidanceImage
        for i in 0..<out.count {
            let lf = full[i], li = image[i], lu = unconditioned[i]
            out[i] = lu + gImage * (li - lu) + gText * (lf - li)
        }
    }

    /// Appends `token` to the sequence; `alreadyInCache` for a code that speculative decoding
    /// ran through the model while verifying it.
    private func emit(_ token: Int, forced: Bool, alreadyInCache: Bool = false) -> GeneratedToken {
        sequence.append(token)
        if !alreadyInCache { unfed.append(token) }
        state.advance(past: token, vocabulary: vocabulary)
        generatedThisCall += 1
        if !state.isInImage { guidance = nil }
        return GeneratedToken(id: token, forced: forced, phase: state.phase)
    }

    private func isStop(_ token: Int) -> Bool {
        token == vocabulary.eos || options.stopTokens.contains(token)
    }

    private func stop(_ reason: StopReason) -> GeneratedToken? {
        stopReason = reason
        return nil
    }

    // MARK: - Running the model

    /// Runs every unfed token through the main row (and the guidance rows while in a picture),
    /// leaving the next-token logits in `nextLogits` and the guidance rows' logits beside them.
    /// Inside a picture only the picture codes' logits are computed, unless `wholeVocabulary`.
    /// - Parameter collect: receives the raw logits at every fed main-row position, if given.
    private func feed(collect: ((Int, UnsafeBufferPointer<Float>) -> Void)?, wholeVocabulary: Bool = false) {
        guard !unfed.isEmpty else { return }
        var entries: [BatchEntry] = unfed.enumerated().map { index, token in
            BatchEntry(token: token, cache: cache, wantsLogits: collect != nil || index == unfed.count - 1)
        }
        var roles: [Role] = unfed.indices.map { .main($0) }
        unfed = []

        if guidanceActive {
            if guidance == nil {
                let conditioned = sequence.filter {
                    vocabulary.isImageToken($0) || $0 == vocabulary.bos || $0 == vocabulary.beginImage || $0 == vocabulary.endImage
                }
                let unconditioned = [vocabulary.bos, vocabulary.beginImage]
                let rows = GuidanceRows(
                    imageConditioned: model.makeCache(initialCapacity: conditioned.count + state.tokensPerImage + 2),
                    unconditioned: model.makeCache(initialCapacity: state.tokensPerImage + 4),
                    imageLogits: nextLogits, unconditionedLogits: nextLogits)
                for (i, token) in conditioned.enumerated() {
                    entries.append(BatchEntry(token: token, cache: rows.imageConditioned, wantsLogits: i == conditioned.count - 1))
                    roles.append(.imageConditioned)
                }
                for (i, token) in unconditioned.enumerated() {
                    entries.append(BatchEntry(token: token, cache: rows.unconditioned, wantsLogits: i == unconditioned.count - 1))
                    roles.append(.unconditioned)
                }
                guidance = rows
            } else if let rows = guidance, let token = sequence.last {
                entries.append(BatchEntry(token: token, cache: rows.imageConditioned, wantsLogits: true))
                entries.append(BatchEntry(token: token, cache: rows.unconditioned, wantsLogits: true))
                roles += [.imageConditioned, .unconditioned]
            }
        }
        run(entries, roles: roles, collect: collect, logitRange: collect == nil && !wholeVocabulary ? pictureCodeLogitRange : nil)
    }

    /// The ids the next token can take when only picture codes can come next (inside a picture,
    /// before its last code), so a step reads only those rows of the output head (an eighth of a
    /// 65,536-id Chameleon vocabulary); nil otherwise.
    var pictureCodeLogitRange: Range<Int>? {
        state.isInImage && state.forcedToken(vocabulary: vocabulary) == nil ? vocabulary.imageTokenSpan : nil
    }

    private enum Role {
        case main(Int)
        case imageConditioned
        case unconditioned
    }

    /// Whether picture codes get guidance rows now.
    var guidanceActive: Bool { state.isInImage && options.usesGuidance && options.mode == .interleaved }

    /// One forward pass, counted; `logitRange` as in `ChameleonTransformer.forward`.
    func forward(_ entries: [BatchEntry], logitRange: Range<Int>? = nil) {
        forwardPasses += 1
        model.forward(entries, scratch: scratch, logitRange: logitRange)
    }

    private func run(_ entries: [BatchEntry], roles: [Role], collect: ((Int, UnsafeBufferPointer<Float>) -> Void)?,
                     logitRange: Range<Int>?) {
        let lastMain = roles.lastIndex { if case .main = $0 { return true } else { return false } } ?? -1
        var start = 0
        while start < entries.count {
            let end = min(entries.count, start + maxBatch)
            let chunk = Array(entries[start..<end])
            forward(chunk, logitRange: logitRange)
            var row = 0
            for index in start..<end where entries[index].wantsLogits {
                let logits = scratch.logits(row: row)
                row += 1
                switch roles[index] {
                case .main(let position):
                    collect?(position, logits)
                    if index == lastMain { _ = nextLogits.withUnsafeMutableBufferPointer { $0.update(from: logits) } }
                case .imageConditioned:
                    _ = guidance?.imageLogits.withUnsafeMutableBufferPointer { $0.update(from: logits) }
                case .unconditioned:
                    _ = guidance?.unconditionedLogits.withUnsafeMutableBufferPointer { $0.update(from: logits) }
                }
            }
            start = end
        }
    }
}
