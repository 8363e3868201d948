import Foundation
import Testing
import TensorMath
@testable import ChameleonModel

/// Inside a picture only picture codes can come next, so a step computes only their rows of the
/// output head: the same logits for them as the whole head gives, −∞ for the rest, and the raw
/// logits a caller asks for afterwards are still the whole vocabulary's.
@Suite struct PictureCodeHeadTests {
    /// One prefill chunk of `rows` tokens with logits at every row, through the whole head and
    /// through `range` of it.
    @Test(arguments: [WeightFormat.f32, .bf16, .q8, .q4])
    func aRestrictedHeadGivesTheSameLogitsForItsIds(format: WeightFormat) throws {
        let model = try ChameleonCheckpoint(directory: EngineFixtures.directory("plain"), weightFormat: format).model
        let ids = try EngineFixtures.reference("plain").prompts[0].ids
        let vocab = model.config.vocabSize
        let range = 5 ..< vocab - 7
        for rows in [1, 3, 6] {
            func logits(_ logitRange: Range<Int>?) -> [Float] {
                let cache = model.makeCache(initialCapacity: rows)
                let scratch = ForwardScratch(config: model.config)
                let entries = ids.prefix(rows).map { BatchEntry(token: $0, cache: cache, wantsLogits: true) }
                model.forward(entries, scratch: scratch, logitRange: logitRange)
                return (0..<rows).flatMap { Array(scratch.logits(row: $0).prefix(vocab)) }
            }
            let whole = logits(nil), restricted = logits(range)
            for row in 0..<rows {
                for id in 0..<vocab {
                    let got = restricted[row * vocab + id]
                    if range.contains(id) {
                        #expect(abs(got - whole[row * vocab + id]) <= 1e-6 * max(1, abs(whole[row * vocab + id])),
                                "\(format) rows \(rows): id \(id)")
                    } else {
                        #expect(got == -.infinity, "\(format) rows \(rows): id \(id) outside the range")
                    }
                }
            }
        }
    }

    /// The picture-code span covers every code and nothing the vocabulary puts outside it.
    @Test func theSpanCoversEveryPictureCode() throws {
        let checkpoint = try EngineFixtures.checkpoint("plain")
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary)
        let reference = try EngineFixtures.reference("plain")
        let prompt = try #require(reference.prompts.first { $0.ids.last == checkpoint.vocabulary.beginImage }).ids
        generator.append(prompt)
        let span = try #require(generator.pictureCodeLogitRange)
        #expect(checkpoint.vocabulary.imageTokenIDs.allSatisfy(span.contains))
        #expect(span.count == checkpoint.vocabulary.imageTokenIDs.count)  // the fixture's codes are contiguous
    }

    /// A few greedy codes into a picture (with guidance rows, no speculation), the raw next-token
    /// logits are the whole vocabulary's and equal a fresh generator's for the same tokens; the
    /// picture then ends after exactly the grid's codes.
    @Test func rawLogitsMidPictureCoverTheWholeVocabulary() throws {
        let checkpoint = try EngineFixtures.checkpoint("plain")
        let reference = try EngineFixtures.reference("plain")
        let prompt = try #require(reference.prompts.first { $0.ids.last == checkpoint.vocabulary.beginImage }).ids
        var options = GenerationOptions()
        options.setGreedy()
        options.guidanceText = reference.cfg_text
        options.guidanceImage = reference.cfg_image
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(prompt)
        var produced: [Int] = []
        for _ in 0..<5 { produced.append(try #require(generator.next()).id) }
        let midPicture = generator.nextTokenLogits()
        #expect(midPicture.allSatisfy { $0.isFinite })
        let fresh = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        fresh.append(generator.sequence)
        let expected = fresh.nextTokenLogits()
        let largest = expected.reduce(0) { max($0, abs($1)) }
        let worst = zip(midPicture, expected).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        #expect(worst / largest < 1e-4)
        while let token = generator.next() { produced.append(token.id) }
        #expect(produced.firstIndex(of: checkpoint.vocabulary.endImage) == reference.tokens_per_image)
        #expect(produced.prefix(reference.tokens_per_image).allSatisfy(checkpoint.vocabulary.isImageToken))
    }
}
