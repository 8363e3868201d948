import Foundation
import NumPyFormat
@testable import ChameleonModel

/// Paths and readers for the engine fixtures that `tools/fixtures/make_engine_fixtures.py`
/// writes from transformers.
enum EngineFixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine")

    static let configurations = ["plain", "gqa_bias", "swin", "bf16", "tied_legacy_rope"]

    struct Reference: Decodable {
        struct Prompt: Decodable {
            let ids: [Int]
            let logits: String?
            let greedy_free: [Int]?
            let greedy_text: [Int]?
            let greedy_interleaved: [Int]
        }
        let config: String
        let cfg_text: Float
        let cfg_image: Float
        let tokens_per_image: Int
        let max_new_tokens: Int
        let prompts: [Prompt]
    }

    static func directory(_ name: String) -> URL { root.appendingPathComponent(name) }

    static func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: directory(name).appendingPathComponent("reference.json")))
    }

    /// Loaded checkpoints, shared by the tests (loading is the slow part).
    nonisolated(unsafe) private static var cache: [String: ChameleonCheckpoint] = [:]
    private static let lock = NSLock()

    static func checkpoint(_ name: String) throws -> ChameleonCheckpoint {
        lock.lock()
        defer { lock.unlock() }
        if let loaded = cache[name] { return loaded }
        // Float32 weights in memory: the reference ran in float32, and the bf16 path rounds
        // prefill activations to bf16 (its fidelity is WeightFormatFidelityTests' concern).
        let loaded = try ChameleonCheckpoint(directory: directory(name), weightFormat: .f32)
        cache[name] = loaded
        return loaded
    }

    static func logits(_ name: String, file: String) throws -> NPYArray {
        try NPYArray(contentsOf: directory(name).appendingPathComponent(file))
    }
}

extension Generator {
    /// How far this generator's next-token logits are from those of a fresh generator given the
    /// same tokens: the largest difference over the largest logit. A generator whose caches or
    /// stored logits went stale (speculation, a picture step's partial head) shows it here.
    func nextLogitsDeviationFromFresh(model: ChameleonTransformer) -> Float {
        let resumed = nextTokenLogits()
        let fresh = Generator(model: model, vocabulary: vocabulary, options: options)
        fresh.append(sequence)
        let expected = fresh.nextTokenLogits()
        let largest = expected.reduce(0) { max($0, abs($1)) }
        return zip(resumed, expected).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / largest
    }
}
