import Foundation
import Testing
import TensorMath
@testable import ChameleonModel

/// A config may claim a context of up to 2^24 positions (the validator's ceiling); loading such a
/// model must not allocate for positions it never runs (rotary tables used to be sized for the
/// whole context: 8 GB here).
@Suite struct ResourceLimitTests {
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    @Test func aHugeClaimedContextCostsNothingUntilUsed() throws {
        let config = ChameleonConfig(vocabSize: 64, hiddenSize: 256, intermediateSize: 64, numHiddenLayers: 1,
                                     numAttentionHeads: 2, maxPositionEmbeddings: 1 << 24)
        try config.validate(path: "test")
        let before = Self.peakResidentBytes()
        let model = ChameleonTransformer(config: config, weights: try .random(config: config, format: .f32))
        #expect(model.contextLength == 1 << 24)
        // It still runs, at a position far into the claimed context.
        let cache = model.makeCache(initialCapacity: 4)
        let scratch = ForwardScratch(config: config)
        model.forward([BatchEntry(token: 1, cache: cache, wantsLogits: true)], scratch: scratch)
        #expect(scratch.logits(row: 0).allSatisfy { $0.isFinite })
        #expect(Self.peakResidentBytes() - before < 1 << 30, "loading grew the peak by more than 1 GiB")
    }

    /// A config claiming millions of layers is refused by the validator, before loading would
    /// list every layer's tensors (tens of gigabytes for 2^24 layers).
    @Test func aHugeLayerCountIsRefusedAtValidation() throws {
        for layers in [ChameleonConfig.maxLayers + 1, 1 << 24] {
            let config = ChameleonConfig(vocabSize: 64, hiddenSize: 256, intermediateSize: 64, numHiddenLayers: layers,
                                         numAttentionHeads: 2, maxPositionEmbeddings: 64)
            #expect(throws: ConfigError.invalid(path: "test", reason: "num_hidden_layers = \(layers) is beyond any supported model (at most 1024)")) {
                try config.validate(path: "test")
            }
        }
    }
}
