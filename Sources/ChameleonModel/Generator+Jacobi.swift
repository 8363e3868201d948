/// Speculative Jacobi decoding of picture codes (Teng et al., 2024, "Accelerating
/// auto-regressive text-to-image generation with training-free speculative Jacobi decoding").
///
/// Each forward pass runs the last code and a window of drafted codes after it, on every guidance
/// row at once, which gives the model's distribution at every drafted position. The drafts are
/// then verified in order by speculative sampling: a draft x drawn from a proposal q is kept with
/// probability min(1, p(x)/q(x)); the first one refused is replaced by a draw from the residual
/// max(0, p − q), normalised, and the rest of the window becomes the next pass's drafts, drawn
/// from the distributions this pass computed. New positions start from codes drawn uniformly.
/// Every kept or replaced code is distributed exactly as plain decoding would draw it; a pass
/// yields one code at least and the whole window at best.
///
/// Kept codes are already in the caches (they were run as drafts, on the prefix that was kept),
/// so they are handed out by `next()` without another pass; anything that changes the sequence
/// first rolls the caches back past them (`dropSpeculation`).
extension Generator {
    /// State of the speculation between passes.
    struct Speculation {
        /// Drafts for the codes after the next one to be produced, with the proposal each was
        /// drawn from (nil: uniform over the picture codes).
        var drafts: [(token: Int, proposal: [Float]?)] = []
        /// Codes decided by the last pass and not yet handed out, in order.
        var pending: [(token: Int, inCache: Bool)] = []
        /// How many of `pending` the caches already hold.
        var pendingInCache: Int { pending.reduce(0) { $0 + ($1.inCache ? 1 : 0) } }
    }

    /// Every cache a picture code goes into: the main sequence's and, while guidance is on, its
    /// two extra rows'.
    var pictureRows: [KVCache] { [cache] + (guidance.map { [$0.imageConditioned, $0.unconditioned] } ?? []) }

    /// Runs one speculative pass, filling `speculation.pending`, if Jacobi decoding is on, a
    /// picture is being drawn past its first code, and at least two codes remain.
    func speculateIfUseful() {
        guard options.jacobiWindow > 0, case .image(let done) = state.phase, unfed.count == 1 else { return }
        guard !guidanceActive || guidance != nil else { return }  // the first code sets the rows up
        let remaining = state.tokensPerImage - done
        // The pass feeds the last code and `window` drafts and may hand out window + 1 codes:
        // all of them must fit in the context (a prompt can open a picture the context cannot hold).
        let room = contextLength - sequence.count - 1
        let window = min(options.jacobiWindow, remaining - 1, 40, room)
        guard window > 0 else { return }
        speculate(window: window)
    }

    /// Rolls every cache back past codes that were verified but not handed out, and forgets the
    /// drafts. The caches then hold the sequence but its last code, which becomes unfed again
    /// (as after a plain step), so the next-token logits are recomputed rather than stale.
    func dropSpeculation() {
        if !speculation.pending.isEmpty, let last = sequence.last {
            let extra = speculation.pendingInCache + 1
            for row in pictureRows { row.truncate(to: row.length - extra) }
            unfed = [last]
        }
        speculation = Speculation()
    }

    private func speculate(window: Int) {
        let vocabularySize = model.config.vocabSize
        let codes = vocabulary.imageTokenIDs
        // Drafts: last pass's, then uniform draws for new positions.
        var drafts = Array(speculation.drafts.prefix(window))
        while drafts.count < window { drafts.append((codes[Int(rng.next() % UInt64(codes.count))], nil)) }

        let last = unfed[0]
        unfed = []
        let rows = pictureRows
        let lengths = rows.map(\.length)
        var entries: [BatchEntry] = []
        for row in rows {
            entries.append(BatchEntry(token: last, cache: row, wantsLogits: true))
            for draft in drafts { entries.append(BatchEntry(token: draft.token, cache: row, wantsLogits: true)) }
        }
        forward(entries, logitRange: pictureCodeLogitRange)  // every position it scores is a code

        // The sampling distribution at each of the window + 1 positions.
        let positions = window + 1
        var targets: [[Float]] = []
        var combined = [Float](repeating: 0, count: vocabularySize)
        for position in 0..<positions {
            combined.withUnsafeMutableBufferPointer { out in
                if rows.count == 3 {
                    combineGuidance(full: scratch.logits(row: position), image: scratch.logits(row: positions + position),
                                    unconditioned: scratch.logits(row: 2 * positions + position), into: out)
                } else {
                    _ = out.update(from: scratch.logits(row: position))
                }
                state.mask(out, vocabulary: vocabulary, sequenceLength: sequence.count + position, contextLength: contextLength)
                var probabilities: [Float] = []
                sampler.distribution(out, parameters: options.image, into: &probabilities)
                targets.append(probabilities)
            }
        }

        // Verify in order; the first refusal ends the pass.
        var decided: [Int] = []
        var refusedAt: Int?
        for (index, draft) in drafts.enumerated() {
            let verdict = SpeculativeSampling.verify(draft: draft.token, target: targets[index],
                                                     proposal: draft.proposal, uniformOver: codes.count, rng: &rng)
            decided.append(verdict.token)
            if !verdict.accepted {
                refusedAt = index
                break
            }
        }
        let kept = refusedAt ?? drafts.count
        if refusedAt == nil {
            // Every draft kept: the last position's distribution gives one code more.
            decided.append(TokenSampler.draw(weights: targets[window], rng: &rng) ?? codes[0])
        }
        // Keep the last code and the kept drafts in every cache; the final decided code is new.
        for (row, length) in zip(rows, lengths) { row.truncate(to: length + 1 + kept) }
        // The emitted order starts with `last`, which is now in the caches: hand it to emit as fed.
        speculation.pending = decided.enumerated().map { (token: $0.element, inCache: $0.offset < kept) }
        // Next pass's drafts: the positions after the new code, from this pass's distributions.
        speculation.drafts = (kept + 1 ..< positions).map { position in
            let proposal = targets[position]
            return (TokenSampler.draw(weights: proposal, rng: &rng) ?? codes[0], proposal)
        }
    }
}

/// The acceptance rule of speculative sampling.
enum SpeculativeSampling {
    /// Keeps `draft` (drawn from `proposal`, or uniformly from `uniformOver` allowed codes when
    /// nil) with probability min(1, target[draft] / proposal[draft]); otherwise draws from the
    /// residual max(0, target − proposal), normalised. The returned token is distributed exactly
    /// as `target`.
    static func verify(draft: Int, target: [Float], proposal: [Float]?, uniformOver allowed: Int,
                       rng: inout SeededGenerator) -> (token: Int, accepted: Bool) {
        let uniform = 1 / Float(allowed)
        let q = proposal.map { $0[draft] } ?? uniform
        let p = target[draft]
        if q > 0 && (p >= q || rng.nextUnit() < p / q) { return (draft, true) }
        let residual: [Float]
        if let proposal {
            residual = zip(target, proposal).map { max(0, $0 - $1) }
        } else {
            // Codes outside the allowed set have target 0, so their residual is 0 too.
            residual = target.map { max(0, $0 - uniform) }
        }
        // A refusal leaves a positive residual unless rounding ate it; the target then stands in.
        let token = TokenSampler.draw(weights: residual, rng: &rng) ?? TokenSampler.draw(weights: target, rng: &rng) ?? draft
        return (token, false)
    }
}
