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
