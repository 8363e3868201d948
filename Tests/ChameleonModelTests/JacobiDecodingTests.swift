import Foundation
import Testing
@testable import ChameleonModel

/// Speculative Jacobi decoding of picture codes: the acceptance rule keeps the distribution, the
/// greedy picture is the plain greedy picture in fewer model steps, and a reply stopped between
/// speculated codes leaves the caches as if decoding had been plain.
@Suite struct JacobiDecodingTests {
    /// Draft from the proposal, verify against the target, many times: the kept-or-replaced
    /// tokens follow the target, for a proposal given as a distribution and for the uniform one.
    @Test func acceptanceRuleReproducesTheTarget() {
        let target: [Float] = [0.5, 0.05, 0.3, 0.15, 0]
        let proposals: [[Float]?] = [[0.1, 0.4, 0.1, 0.2, 0.2], nil]
        for proposal in proposals {
            var rng = SeededGenerator(seed: 11)
            var counts = [Int](repeating: 0, count: target.count)
            let trials = 200_000
            for _ in 0..<trials {
                let draft = proposal.map { TokenSampler.draw(weights: $0, rng: &rng)! } ?? Int(rng.next() % 5)
                let verdict = SpeculativeSampling.verify(draft: draft, target: target, proposal: proposal, uniformOver: 5, rng: &rng)
                counts[verdict.token] += 1
            }
            for (token, expected) in target.enumerated() {
                let observed = Double(counts[token]) / Double(trials)
                #expect(abs(observed - Double(expected)) < 0.005, "token \(token): \(observed) vs \(expected)")
            }
        }
    }

    func greedyPicture(_ name: String, window: Int) throws -> (tokens: [Int], steps: Int) {
        let checkpoint = try EngineFixtures.checkpoint(name)
        let reference = try EngineFixtures.reference(name)
        let prompt = try #require(reference.prompts.first { $0.ids.last == checkpoint.vocabulary.beginImage }).ids
        var options = GenerationOptions()
        options.setGreedy()
        options.guidanceText = reference.cfg_text
        options.guidanceImage = reference.cfg_image
        options.maxNewTokens = reference.tokens_per_image + 1
        options.jacobiWindow = window
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(prompt)
        let before = generator.forwardPasses
        var tokens: [Int] = []
        while let token = generator.next() { tokens.append(token.id) }
        return (tokens, generator.forwardPasses - before)
    }

    /// Greedy codes through guidance: the speculative picture is the plain one, code for code,
    /// and takes no more model steps (usually far fewer: a greedy draft that repeats the last
    /// pass's choice is kept).
    @Test(arguments: ["plain", "gqa_bias"])
    func greedyPictureIsThePlainOneInFewerSteps(configuration: String) throws {
        let plain = try greedyPicture(configuration, window: 0)
        for window in [1, 4, 16] {
            let speculative = try greedyPicture(configuration, window: window)
            #expect(speculative.tokens == plain.tokens, "window \(window)")
            #expect(speculative.steps <= plain.steps, "window \(window): \(speculative.steps) vs \(plain.steps) steps")
        }
    }

    /// Sampled codes: a whole picture of valid codes, and the same seed gives the same picture.
    @Test func sampledPicturesAreCompleteAndReproducible() throws {
        let checkpoint = try EngineFixtures.checkpoint("plain")
        let reference = try EngineFixtures.reference("plain")
        let prompt = try #require(reference.prompts.first { $0.ids.last == checkpoint.vocabulary.beginImage }).ids
        func picture(seed: UInt64) -> [Int] {
            var options = GenerationOptions()
            options.seed = seed
            options.jacobiWindow = 8
            options.maxNewTokens = reference.tokens_per_image + 1
            let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
            generator.append(prompt)
            var tokens: [Int] = []
            while let token = generator.next() { tokens.append(token.id) }
            return tokens
        }
        let first = picture(seed: 3)
        #expect(first.count == reference.tokens_per_image + 1)
        #expect(first.dropLast().allSatisfy(checkpoint.vocabulary.isImageToken))
        #expect(first.last == checkpoint.vocabulary.endImage)
        #expect(picture(seed: 3) == first)
    }

    /// Stopped after a few codes (with speculated codes still pending in the caches; with window
    /// 0, after plain steps that computed only the picture codes' logits), the generator's raw
    /// next-token logits are the whole vocabulary's and equal those of a fresh generator given
    /// the same tokens.
    @Test(arguments: [0, 16])
    func stoppingMidPictureLeavesConsistentCaches(window: Int) throws {
        let checkpoint = try EngineFixtures.checkpoint("plain")
        let reference = try EngineFixtures.reference("plain")
        let prompt = try #require(reference.prompts.first { $0.ids.last == checkpoint.vocabulary.beginImage }).ids
        var options = GenerationOptions()
        options.setGreedy()
        options.guidanceText = reference.cfg_text
        options.guidanceImage = reference.cfg_image
        options.jacobiWindow = window
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(prompt)
        var produced: [Int] = []
        for _ in 0..<5 { produced.append(try #require(generator.next()).id) }
        #expect(generator.nextTokenLogits().allSatisfy { $0.isFinite })
        #expect(generator.nextLogitsDeviationFromFresh(model: checkpoint.model) < 1e-4)
        // And generation goes on to a whole picture: end-image after exactly the grid's codes.
        while let token = generator.next() { produced.append(token.id) }
        #expect(produced.firstIndex(of: checkpoint.vocabulary.endImage) == reference.tokens_per_image)
        #expect(produced.prefix(reference.tokens_per_image).allSatisfy(checkpoint.vocabulary.isImageToken))
    }

    /// A prompt that opens a picture two tokens before the end of the context: speculation
    /// shrinks to the room left (it used to overfill the cache and trap), and generation stops
    /// with the context full, as plain decoding does.
    @Test(arguments: [0, 8])
    func aPictureOpenedAtTheEndOfTheContextStopsWhenItIsFull(window: Int) throws {
        let checkpoint = try EngineFixtures.checkpoint("plain")
        let vocabulary = checkpoint.vocabulary
        let context = checkpoint.model.contextLength
        var options = GenerationOptions()
        options.seed = 5
        options.jacobiWindow = window
        let generator = Generator(model: checkpoint.model, vocabulary: vocabulary, options: options)
        generator.append([vocabulary.bos] + Array(repeating: 100, count: context - 4) + [vocabulary.beginImage])
        var produced: [Int] = []
        while let token = generator.next() { produced.append(token.id) }
        #expect(generator.sequence.count <= context)
        #expect(generator.stopReason == .contextFull)
        #expect(generator.sequence.count == context - 2 + produced.count && !produced.isEmpty)
        #expect(produced.allSatisfy { vocabulary.isImageToken($0) || $0 == vocabulary.endImage })
    }
}
