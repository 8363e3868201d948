import Foundation
import Testing
import TensorMath
@testable import ChameleonModel

/// Inside a picture only picture codes can come next, so a step computes only their rows of the
/// output head: the same logits for them as the whole head gives, −∞ for the rest. (That the raw
/// logits a caller asks for mid-picture are still the whole vocabulary's is
/// JacobiDecodingTests' `stoppingMidPictureLeavesConsistentCaches`, window 0.)
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
}
