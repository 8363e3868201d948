import Foundation
import SafeTensors
import Testing
@testable import ChameleonModel

/// A checkpoint split into shards with `model.safetensors.index.json` loads to the same model.
@Suite struct ShardedCheckpointTests {
    @Test func shardedCopyGivesIdenticalLogits() throws {
        let source = EngineFixtures.directory("gqa_bias")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["config.json", "tokenizer.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let original = try SafeTensorsCheckpoint(at: source)
        let names = original.tensorNames
        var weightMap: [String: String] = [:]
        for (shard, part) in [names.prefix(names.count / 2), names.suffix(from: names.count / 2)].enumerated() {
            let file = "model-0000\(shard + 1)-of-00002.safetensors"
            var writer = SafeTensorsWriter()
            for name in part {
                try writer.add(name, shape: original.shape(of: name)!, floats: try original.floats(name), as: original.info(name)!.dtype)
                weightMap[name] = file
            }
            try writer.write(to: dir.appendingPathComponent(file))
        }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": weightMap])
        try index.write(to: dir.appendingPathComponent("model.safetensors.index.json"))

        let sharded = try ChameleonCheckpoint(directory: dir)
        #expect(sharded.tensors.files.count == 2)
        let single = try EngineFixtures.checkpoint("gqa_bias")
        let ids = try EngineFixtures.reference("gqa_bias").prompts[1].ids
        func logits(_ checkpoint: ChameleonCheckpoint) -> [Float] {
            let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary)
            generator.append(ids)
            return generator.prefillCollectingLogits()
        }
        #expect(logits(sharded) == logits(single))
    }
}
