import Foundation
import Testing
import TensorMath
@testable import ChameleonModel

/// BF16-stored projections loaded as bf16 are used in place in the file's mapping (no copy),
/// and compute what the same weights compute when copied.
@Suite struct BorrowedWeightsTests {
    func checkpoint(_ format: WeightFormat) throws -> ChameleonCheckpoint {
        try ChameleonCheckpoint(directory: EngineFixtures.directory("bf16"), weightFormat: format)
    }

    @Test func bf16MatricesAreBorrowedOnlyWhenLoadedAsBf16() throws {
        let borrowed = try checkpoint(.bf16).model.weights
        #expect(borrowed.layers.allSatisfy { $0.matrices.allSatisfy(\.isBorrowed) })
        #expect(borrowed.lmHead.isBorrowed || borrowed.tiedHead)
        for format in [WeightFormat.f32, .q8] {
            let copied = try checkpoint(format).model.weights
            #expect(copied.layers.allSatisfy { $0.matrices.allSatisfy { !$0.isBorrowed } }, "\(format)")
        }
    }

    /// One token at a time, the borrowed bf16 weights against the same values held as float32,
    /// from a checkpoint whose other references are gone. Where the CPU has AVX512_BF16 the
    /// single-row bf16 product runs on activations split into two bf16 halves (about 16
    /// significant bits) instead of float32, so the bound there is looser; a misread weight
    /// would still be off by far more.
    @Test func borrowedWeightsOutliveTheCheckpointAndMatchCopiedOnes() throws {
        let model = try checkpoint(.bf16).model
        // The same cache precision on both sides (bf16 weights default to a bf16 cache), so only
        // the weights' storage differs.
        let copied = try checkpoint(.f32).model
        let reference = ChameleonTransformer(config: copied.config, weights: copied.weights, kvPrecision: model.kvPrecision)
        let ids = try EngineFixtures.reference("bf16").prompts[0].ids
        let vocab = model.config.vocabSize
        func logits(_ model: ChameleonTransformer) -> [Float] {
            let cache = model.makeCache(initialCapacity: ids.count)
            let scratch = ForwardScratch(config: model.config)
            var out: [Float] = []
            for token in ids {
                model.forward([BatchEntry(token: token, cache: cache, wantsLogits: true)], scratch: scratch)
                out += Array(scratch.logits(row: 0).prefix(vocab))
            }
            return out
        }
        let got = logits(model), want = logits(reference)
        let largest = want.reduce(0) { max($0, abs($1)) }
        let worst = zip(got, want).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        let bound: Float = KernelLevel.current >= .avx512bf16 ? 1e-3 : 1e-5
        #expect(worst / largest < bound, "worst \(worst / largest)")
    }
}
