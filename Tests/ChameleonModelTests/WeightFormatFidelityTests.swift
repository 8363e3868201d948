import Foundation
import Testing
import TensorMath
@testable import ChameleonModel

/// Each `--weights` format against float32 logits: how often the most likely next token stays
/// the same (top-1 agreement), and how far the logits move.
///
/// Two sets of prompts. The built-in model (trained weights) plays the conformance prompts'
/// requests and its own float32 greedy answers, a picture included; there the bars hold:
/// q8 at least 99%, q4 at least 95% of positions. The conformance fixtures themselves are random
/// networks with weights scaled up (gain 1.5 a layer, so that argmax has no near-ties), which
/// amplify any rounding; on them f32 must match transformers exactly and the others are reported.
@Suite struct WeightFormatFidelityTests {
    struct Fidelity: CustomStringConvertible {
        var positions = 0
        var agreeing = 0
        var worstRelativeError: Float = 0
        var agreement: Double { Double(agreeing) / Double(max(1, positions)) }

        mutating func compare(_ actual: [Float], _ expected: [Float], vocab: Int) {
            let largest = expected.reduce(0) { max($0, abs($1)) }
            for position in 0..<expected.count / vocab {
                let row = position * vocab..<(position + 1) * vocab
                let want = row.max { expected[$0] < expected[$1] }!
                let got = row.max { actual[$0] < actual[$1] }!
                positions += 1
                if want == got { agreeing += 1 }
                let worst = row.reduce(Float(0)) { max($0, abs(actual[$1] - expected[$1])) }
                worstRelativeError = max(worstRelativeError, worst / largest)
            }
        }

        var description: String {
            "top-1 agreement \(agreeing)/\(positions) " + String(format: "(%.1f%%), worst |Δlogit| %.2e of the largest",
                                                                   agreement * 100, worstRelativeError)
        }
    }

    static let builtIn = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models/builtin")

    static func logits(_ checkpoint: ChameleonCheckpoint, _ ids: [Int]) -> [Float] {
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary)
        generator.append(ids)
        return generator.prefillCollectingLogits()
    }

    /// Request plus the float32 model's own greedy answer (text, then a picture), per request.
    static let builtInSequences: [[Int]] = {
        guard let reference = try? ChameleonCheckpoint(directory: builtIn, weightFormat: .f32) else { return [] }
        let v = reference.vocabulary
        let requests = ["draw a red circle on a blue background", "now make the circle green",
                        "what can you draw?", "draw the word HELLO in yellow on black"]
        return requests.map { request in
            // The built-in conversation format: <s> request <end of turn>, then the reply.
            let endOfTurn = v.endOfTurn ?? v.eos
            let prompt = [v.bos] + reference.tokenizer.encode(request, addSpecialTokens: false) + [endOfTurn]
            var options = GenerationOptions()
            options.mode = .interleaved
            options.setGreedy()
            options.maxNewTokens = 320
            let generator = Generator(model: reference.model, vocabulary: v, options: options)
            generator.append(prompt)
            var answer: [Int] = []
            while let token = generator.next(), token.id != endOfTurn { answer.append(token.id) }
            return prompt + answer
        }
    }()

    @Test(arguments: [(WeightFormat.bf16, 0.99), (.q8, 0.99), (.q4, 0.95)])
    func builtInModelKeepsItsChoices(format: WeightFormat, bar: Double) throws {
        let reference = try ChameleonCheckpoint(directory: Self.builtIn, weightFormat: .f32)
        let quantized = try ChameleonCheckpoint(directory: Self.builtIn, weightFormat: format)
        var result = Fidelity()
        for ids in Self.builtInSequences {
            result.compare(Self.logits(quantized, ids), Self.logits(reference, ids), vocab: reference.config.vocabSize)
        }
        print("built-in model, weights \(format): \(result)")
        #expect(result.positions >= 500)
        #expect(result.agreement >= bar, "\(format): \(result)")
    }

    @Test(arguments: WeightFormat.allCases)
    func conformancePromptsAgainstTransformers(format: WeightFormat) throws {
        var result = Fidelity()
        for configuration in EngineFixtures.configurations {
            let checkpoint = try ChameleonCheckpoint(directory: EngineFixtures.directory(configuration), weightFormat: format)
            for prompt in try EngineFixtures.reference(configuration).prompts {
                guard let file = prompt.logits else { continue }
                let expected = try EngineFixtures.logits(configuration, file: file).values
                result.compare(Self.logits(checkpoint, prompt.ids), expected, vocab: checkpoint.config.vocabSize)
            }
        }
        print("conformance fixtures, weights \(format): \(result)")
        #expect(result.positions >= 100)
        // f32 is the conformance result itself; the rounded formats must still track it (a broken
        // kernel lands near chance, well under these floors).
        let floor: Double = switch format {
        case .f32: 1.0
        case .bf16: 0.97
        case .q8: 0.90
        case .q4: 0.40
        }
        #expect(result.agreement >= floor, "\(format): \(result)")
    }
}
