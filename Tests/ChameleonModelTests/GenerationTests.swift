import Foundation
import Testing
@testable import ChameleonModel

/// What users of generation rely on: seeds reproduce, modes mask what they promise, pictures
/// have exactly the grid's number of codes.
@Suite struct GenerationTests {
    func run(_ checkpoint: ChameleonCheckpoint, prompt: [Int], _ configure: (inout GenerationOptions) -> Void) -> [GeneratedToken] {
        var options = GenerationOptions()
        configure(&options)
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(prompt)
        var out: [GeneratedToken] = []
        while let token = generator.next() { out.append(token) }
        return out
    }

    @Test func sameSeedSameOutputDifferentSeedDifferentOutput() throws {
        let checkpoint = try EngineFixtures.checkpoint("plain")
        let prompt = try EngineFixtures.reference("plain").prompts[0].ids
        func sample(_ seed: UInt64) -> [Int] {
            run(checkpoint, prompt: prompt) { $0.seed = seed; $0.maxNewTokens = 40; $0.text.temperature = 1.5 }.map(\.id)
        }
        #expect(sample(42) == sample(42))
        #expect(sample(42) != sample(43))
    }

    @Test func textModeNeverProducesImageTokens() throws {
        let checkpoint = try EngineFixtures.checkpoint("gqa_bias")
        let vocabulary = checkpoint.vocabulary
        let prompt = try EngineFixtures.reference("gqa_bias").prompts[1].ids
        for seed in 0..<4 {
            let tokens = run(checkpoint, prompt: prompt) {
                $0.mode = .text; $0.seed = UInt64(seed); $0.maxNewTokens = 60
                $0.text = SamplingParameters(temperature: 5)  // flat distribution: would hit them if allowed
            }
            #expect(!tokens.contains { vocabulary.isImageToken($0.id) || $0.id == vocabulary.beginImage || $0.id == vocabulary.endImage })
        }
    }

    @Test func interleavedPicturesHaveExactlyTheGridsCodesThenEndImage() throws {
        let checkpoint = try EngineFixtures.checkpoint("swin")
        let v = checkpoint.vocabulary
        let perImage = checkpoint.config.vqConfig.tokensPerImage
        let prompt = try EngineFixtures.reference("swin").prompts[2].ids  // ends with begin-image
        #expect(prompt.last == v.beginImage)
        for seed in 0..<3 {
            let tokens = run(checkpoint, prompt: prompt) {
                $0.seed = UInt64(seed); $0.maxNewTokens = 5  // fewer than a picture: the picture still completes
                $0.text.temperature = 3; $0.image.temperature = 3
            }
            let ids = tokens.map(\.id)
            #expect(ids.count >= perImage + 1)
            #expect(ids.prefix(perImage).allSatisfy(v.isImageToken))
            #expect(ids[perImage] == v.endImage)
            #expect(tokens[perImage].forced)
            // Any later picture is well-formed too.
            var index = perImage + 1
            while let start = ids[index...].firstIndex(of: v.beginImage), start + perImage + 1 < ids.count {
                #expect(ids[(start + 1)...(start + perImage)].allSatisfy(v.isImageToken))
                #expect(ids[start + perImage + 1] == v.endImage)
                index = start + perImage + 2
            }
        }
    }

    @Test func beginImageIsMaskedWhenAPictureNoLongerFits() throws {
        let state = ModalityState(mode: .interleaved, tokensPerImage: 16)
        #expect(state.pictureFits(sequenceLength: 100, contextLength: 256))
        #expect(state.pictureFits(sequenceLength: 237, contextLength: 256))
        #expect(!state.pictureFits(sequenceLength: 238, contextLength: 256))
        let checkpoint = try EngineFixtures.checkpoint("plain")
        let v = checkpoint.vocabulary
        var logits = [Float](repeating: 0, count: checkpoint.config.vocabSize)
        logits.withUnsafeMutableBufferPointer { state.mask($0, vocabulary: v, sequenceLength: 238, contextLength: 256) }
        #expect(logits[v.beginImage] == -.infinity)
        #expect(logits[v.endImage] == -.infinity)
        #expect(v.imageTokenIDs.allSatisfy { logits[$0] == -.infinity })
        #expect(logits[v.eos] == 0)
    }

    @Test func generationStopsAtTheContextEnd() throws {
        let checkpoint = try EngineFixtures.checkpoint("plain")
        let context = checkpoint.model.contextLength
        let prompt = Array(repeating: checkpoint.vocabulary.bos, count: context - 3)
        var options = GenerationOptions()
        options.mode = .text
        options.setGreedy()
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(prompt)
        var count = 0
        while generator.next() != nil { count += 1 }
        #expect(count <= 3)
        #expect(generator.sequence.count <= context)
    }

    @Test func truncateRewindsToIdenticalLogits() throws {
        let checkpoint = try EngineFixtures.checkpoint("gqa_bias")
        let prompt = try EngineFixtures.reference("gqa_bias").prompts[1].ids
        var options = GenerationOptions()
        options.setGreedy()
        options.mode = .text
        options.maxNewTokens = 10
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(prompt)
        var first: [Int] = []
        while let t = generator.next() { first.append(t.id) }
        generator.truncate(to: prompt.count)
        var second: [Int] = []
        while let t = generator.next() { second.append(t.id) }
        #expect(first == second)
    }
}

@Suite struct SamplerTests {
    func sample(_ logits: [Float], _ p: SamplingParameters, history: [Int] = [], seed: UInt64 = 1) -> Int {
        var copy = logits
        var rng = SeededGenerator(seed: seed)
        var sampler = TokenSampler()
        return copy.withUnsafeMutableBufferPointer { sampler.sample($0, parameters: p, history: history, rng: &rng) }
    }

    @Test func greedyTakesTheFirstMaximum() {
        #expect(sample([0, 3, 3, 1], SamplingParameters(temperature: 1, greedy: true)) == 1)
    }

    @Test func aTemperatureTooSmallToScaleByIsGreedy() {
        // 1/1e-39 overflows, and 1e-37 sends 50·1e37 to infinity: both would make the draw's
        // exponentials NaN and pick the last finite token instead of the likeliest.
        for temperature: Float in [1e-39, 1e-37] {
            let p = SamplingParameters(temperature: temperature)
            #expect(sample([50, 49, -3, 1], p) == 0)
            var logits: [Float] = [1, 50, 49, -.infinity]
            var probabilities: [Float] = []
            var sampler = TokenSampler()
            logits.withUnsafeMutableBufferPointer { sampler.distribution($0, parameters: p, into: &probabilities) }
            #expect(probabilities == [0, 1, 0, 0])
        }
    }

    @Test func topKOneIsGreedy() {
        for seed in 0..<20 {
            #expect(sample([0.5, 0.1, 2, 1.9], SamplingParameters(temperature: 1, topK: 1), seed: UInt64(seed)) == 2)
        }
    }

    @Test func topPKeepsOnlyTheNucleus() {
        // Probabilities ≈ [0.64, 0.24, 0.09, 0.03]: top-p 0.8 keeps the first two.
        let logits: [Float] = [3, 2, 1, 0]
        var seen = Set<Int>()
        for seed in 0..<200 { seen.insert(sample(logits, SamplingParameters(temperature: 1, topP: 0.8), seed: UInt64(seed))) }
        #expect(seen == [0, 1])
    }

    @Test func repetitionPenaltyFollowsTheReferenceRule() {
        // Token 0 (positive) is divided, token 1 (negative) multiplied: 2/4 = 0.5 < 1; −1·4 = −4.
        #expect(sample([2, -1, 1], SamplingParameters(temperature: 1, repetitionPenalty: 4, greedy: true), history: [0, 1]) == 2)
    }

    @Test func samplingFollowsTheDistribution() {
        // softmax([0, ln 3]) = [0.25, 0.75].
        let logits: [Float] = [0, Float(log(3.0))]
        var ones = 0
        for seed in 0..<4000 where sample(logits, SamplingParameters(temperature: 1), seed: UInt64(seed)) == 1 { ones += 1 }
        #expect(abs(Double(ones) / 4000 - 0.75) < 0.03)
    }

    @Test func seededGeneratorIsDeterministic() {
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
    }
}
