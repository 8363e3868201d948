import Foundation
import SafeTensors
import Testing
@testable import ChameleonModel

/// Bad checkpoints fail with one typed error that names the file and the problem.
@Suite struct CheckpointLoadingTests {
    /// A copy of the `plain` fixture in a temporary directory, with `edit` applied to its tensors.
    func brokenCopy(
        config: ((inout [String: Any]) -> Void)? = nil,
        tensors: ((inout [(name: String, shape: [Int], values: [Float])]) -> Void)? = nil
    ) throws -> URL {
        let source = EngineFixtures.directory("plain")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnichat-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("tokenizer.json"), to: directory.appendingPathComponent("tokenizer.json"))
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        config?(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: directory.appendingPathComponent("config.json"))
        let original = try SafeTensorsCheckpoint(at: source)
        var list = try original.tensorNames.map { (name: $0, shape: original.shape(of: $0)!, values: try original.floats($0)) }
        tensors?(&list)
        var writer = SafeTensorsWriter()
        for t in list { try writer.add(t.name, shape: t.shape, floats: t.values) }
        try writer.write(to: directory.appendingPathComponent("model.safetensors"))
        return directory
    }

    func loadError(_ directory: URL) -> String? {
        do {
            _ = try ChameleonCheckpoint(directory: directory)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func unchangedCopyLoads() throws {
        #expect(loadError(try brokenCopy()) == nil)
    }

    /// A slow conversion can be shown: loading reports each layer, then the embeddings and head,
    /// in order, ending at the total.
    @Test func loadingReportsEachPartInOrder() throws {
        final class Reports: @unchecked Sendable { var list: [[Int]] = [] }
        let reports = Reports()
        let checkpoint = try ChameleonCheckpoint(directory: EngineFixtures.directory("plain"), weightFormat: .q4,
                                                 loadProgress: { reports.list.append([$0, $1]) })
        let parts = checkpoint.config.numHiddenLayers + 1
        #expect(reports.list == (1...parts).map { [$0, parts] })
    }

    @Test func missingTensorIsNamed() throws {
        let dir = try brokenCopy(tensors: { $0.removeAll { $0.name == "model.layers.1.mlp.up_proj.weight" } })
        let message = try #require(loadError(dir))
        #expect(message.contains("missing tensor model.layers.1.mlp.up_proj.weight"))
    }

    @Test func extraTensorIsNamed() throws {
        let dir = try brokenCopy(tensors: { $0.append((name: "model.layers.9.mystery.weight", shape: [2], values: [1, 2])) })
        let message = try #require(loadError(dir))
        #expect(message.contains("unexpected tensor model.layers.9.mystery.weight"))
    }

    @Test func misShapedTensorIsNamed() throws {
        let dir = try brokenCopy(config: { $0["intermediate_size"] = 128 })
        let message = try #require(loadError(dir))
        #expect(message.contains("mlp.gate_proj.weight has shape [160, 64], the config needs [128, 64]"))
    }

    @Test func inconsistentConfigIsRejected() throws {
        let dir = try brokenCopy(config: { $0["num_attention_heads"] = 5 })
        let message = try #require(loadError(dir))
        #expect(message.contains("config.json: invalid config: hidden_size 64 is not divisible by num_attention_heads 5"))
    }

    @Test func malformedConfigIsRejected() throws {
        let dir = try brokenCopy()
        try Data("{\"hidden_size\": \"big\"".utf8).write(to: dir.appendingPathComponent("config.json"))
        let message = try #require(loadError(dir))
        #expect(message.contains("config.json: malformed config"))
    }

    @Test func wrongTypeInConfigNamesTheKey() throws {
        let dir = try brokenCopy(config: { $0["hidden_size"] = "big" })
        let message = try #require(loadError(dir))
        #expect(message.contains("hidden_size"))
    }

    @Test func missingTokenizerIsNamed() throws {
        let dir = try brokenCopy()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("tokenizer.json"))
        let message = try #require(loadError(dir))
        #expect(message.contains("tokenizer.json: file not found"))
    }

    /// A named pipe in place of a model file is refused at once, not waited on for a writer
    /// (which froze `/model DIR`). Should a read block after all, a writer opened later ends it
    /// with an empty read, and the test fails on the reason.
    @Test(arguments: ["config.json", "tokenizer.json", "generation_config.json", "model.safetensors"])
    func aNamedPipeInPlaceOfAModelFileIsRefusedAtOnce(file: String) throws {
        let dir = try brokenCopy()
        let pipe = dir.appendingPathComponent(file)
        try? FileManager.default.removeItem(at: pipe)
        try #require(mkfifo(pipe.path, 0o600) == 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 10) {
            let writer = open(pipe.path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        let message = try #require(loadError(dir))
        #expect(message.contains(file) && message.contains("not a regular file"), "\(message)")
    }

    @Test func vocabularyLargerThanTheModelIsRejected() throws {
        let dir = try brokenCopy(config: { $0["vocab_size"] = 300 }, tensors: { list in
            list = list.map { t in
                guard t.name == "model.embed_tokens.weight" || t.name == "lm_head.weight" else { return t }
                return (name: t.name, shape: [300, 64], values: Array(t.values.prefix(300 * 64)))
            }
        })
        let message = try #require(loadError(dir))
        #expect(message.contains("tokenizer has 420 ids but the model's vocab_size is 300"))
    }

    @Test func missingDirectoryIsNamed() {
        let message = loadError(URL(fileURLWithPath: "/nonexistent/model"))
        #expect(message == "/nonexistent/model: not a model directory (it does not exist or is a file)")
    }

    @Test func legacyAndNewRopeKeysAgree() throws {
        let legacy = try JSONDecoder().decode(ChameleonConfig.self, from: Data(#"{"rope_theta": 500000.0, "rope_scaling": null}"#.utf8))
        let newer = try JSONDecoder().decode(ChameleonConfig.self, from: Data(#"{"rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}}"#.utf8))
        #expect(legacy.ropeTheta == 500000 && newer.ropeTheta == 500000)
        #expect(legacy == newer)
        let defaults = try JSONDecoder().decode(ChameleonConfig.self, from: Data("{}".utf8))
        #expect(defaults.hiddenSize == 4096 && defaults.vqConfig.tokensPerImage == 1024 && defaults.ropeTheta == 10000)
    }

    @Test func imageCodeNamesDecode() {
        #expect(ChameleonVocabulary.imageCode(ofTokenName: "IMGIMGFDZ") == 53)
        #expect(ChameleonVocabulary.imageCode(ofTokenName: "IMGIMGAZ") == 0)
        #expect(ChameleonVocabulary.imageCode(ofTokenName: "IMGIMGIBJBZ") == 8191)
        #expect(ChameleonVocabulary.imageCode(ofTokenName: "IMGIMGZ") == nil)
        #expect(ChameleonVocabulary.imageCode(ofTokenName: "IMGIMGKZ") == nil)
        #expect(ChameleonVocabulary.imageCode(ofTokenName: "hello") == nil)
    }
}
