import Foundation
import NumPyFormat
import Testing
@testable import ChameleonModel

/// The engine against transformers' ChameleonForConditionalGeneration on tiny random-weight
/// checkpoints: plain attention, grouped-query attention with biases, swin norm, bf16-stored
/// weights, tied embeddings with the legacy rope keys.
@Suite struct ConformanceTests {
    /// Runs `ids` through a fresh generator and returns the raw logits at every position.
    func logits(_ checkpoint: ChameleonCheckpoint, _ ids: [Int]) -> [Float] {
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary)
        generator.append(ids)
        return generator.prefillCollectingLogits()
    }

    @Test(arguments: EngineFixtures.configurations)
    func rawLogitsMatchTransformers(configuration: String) throws {
        let checkpoint = try EngineFixtures.checkpoint(configuration)
        let reference = try EngineFixtures.reference(configuration)
        for prompt in reference.prompts {
            guard let file = prompt.logits else { continue }
            let expected = try EngineFixtures.logits(configuration, file: file)
            #expect(expected.shape == [prompt.ids.count, checkpoint.config.vocabSize])
            let actual = logits(checkpoint, prompt.ids)
            let largest = expected.values.reduce(0) { max($0, abs($1)) }
            let worst = zip(actual, expected.values).reduce(0) { max($0, abs($1.0 - $1.1)) }
            #expect(worst / largest < 1e-4, "\(configuration): max |Δ| \(worst) vs largest logit \(largest)")
        }
    }

    func greedy(_ checkpoint: ChameleonCheckpoint, _ ids: [Int], mode: GenerationMode, reference: EngineFixtures.Reference) -> [Int] {
        var options = GenerationOptions()
        options.mode = mode
        options.setGreedy()
        options.text.repetitionPenalty = 1
        options.guidanceText = reference.cfg_text
        options.guidanceImage = reference.cfg_image
        options.maxNewTokens = reference.max_new_tokens
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(ids)
        var out: [Int] = []
        while let token = generator.next() { out.append(token.id) }
        return out
    }

    @Test(arguments: EngineFixtures.configurations)
    func greedyContinuationsMatchTransformers(configuration: String) throws {
        let checkpoint = try EngineFixtures.checkpoint(configuration)
        let reference = try EngineFixtures.reference(configuration)
        for prompt in reference.prompts {
            if let expected = prompt.greedy_free {
                #expect(greedy(checkpoint, prompt.ids, mode: .free, reference: reference) == expected)
            }
            if let expected = prompt.greedy_text {
                #expect(greedy(checkpoint, prompt.ids, mode: .text, reference: reference) == expected)
            }
        }
    }

    /// Interleaved generation with two-scale guidance against the reference engine's algorithm,
    /// including a prompt that ends in begin-image so a whole picture is drawn.
    @Test(arguments: EngineFixtures.configurations)
    func interleavedGuidedGenerationMatchesReferenceEngine(configuration: String) throws {
        let checkpoint = try EngineFixtures.checkpoint(configuration)
        let reference = try EngineFixtures.reference(configuration)
        var sawPicture = false
        for prompt in reference.prompts {
            let actual = greedy(checkpoint, prompt.ids, mode: .interleaved, reference: reference)
            #expect(actual == prompt.greedy_interleaved)
            sawPicture = sawPicture || actual.contains(checkpoint.vocabulary.endImage)
        }
        #expect(sawPicture, "the fixtures must exercise a whole picture")
    }

    @Test(arguments: EngineFixtures.configurations)
    func cachedIncrementalLogitsEqualFullPrefixLogits(configuration: String) throws {
        let checkpoint = try EngineFixtures.checkpoint(configuration)
        let ids = try EngineFixtures.reference(configuration).prompts[1].ids
        let full = logits(checkpoint, ids)
        let vocab = checkpoint.config.vocabSize
        // One token at a time through the KV cache.
        let model = checkpoint.model
        let cache = model.makeCache(initialCapacity: 4)  // forces the cache to grow on the way
        let scratch = ForwardScratch(config: checkpoint.config)
        var worst: Float = 0, largest: Float = 0
        for (position, token) in ids.enumerated() {
            model.forward([BatchEntry(token: token, cache: cache, wantsLogits: true)], scratch: scratch)
            let row = scratch.logits(row: 0)
            for v in 0..<vocab {
                worst = max(worst, abs(row[v] - full[position * vocab + v]))
                largest = max(largest, abs(full[position * vocab + v]))
            }
        }
        #expect(worst / largest < 1e-5)
    }
}
