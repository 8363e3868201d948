import Foundation
import Testing
@testable import SafeTensors

/// Checkpoints as single files and as sharded directories with an index.
@Suite struct CheckpointTests {
    @Test func shardedDirectoryLoadsEveryTensor() throws {
        let checkpoint = try SafeTensorsCheckpoint(at: Fixtures.url("sharded"))
        let golden = try Fixtures.golden("sharded.json")
        #expect(checkpoint.files.map(\.url.lastPathComponent)
                == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        #expect(checkpoint.indexURL?.lastPathComponent == "model.safetensors.index.json")
        #expect(Set(checkpoint.tensorNames) == Set(golden.tensors.map(\.name)))
        #expect(checkpoint.tensorNames.count == golden.tensors.count)
        #expect(checkpoint.metadata == ["format": "pt"])
        for tensor in golden.tensors {
            let info = try #require(checkpoint.info(tensor.name))
            #expect(info.dtype.rawValue == tensor.dtype && info.shape == tensor.shape)
            #expect(checkpoint.shape(of: tensor.name) == tensor.shape)
            if let bits = tensor.float32Bits { expectSameFloats(try checkpoint.floats(tensor.name), expectedBits: bits, tensor.name) }
            if let integers = tensor.integers { #expect(try checkpoint.integers(tensor.name) == integers) }
            let byteCount = try checkpoint.withRawBytes(tensor.name) { $0.count }
            #expect(byteCount == info.byteCount)
        }
        #expect(checkpoint.file(containing: "positions")?.url.lastPathComponent == "model-00002-of-00002.safetensors")
    }

    @Test func indexFileCanBeNamedDirectly() throws {
        let checkpoint = try SafeTensorsCheckpoint(at: Fixtures.url("sharded/model.safetensors.index.json"))
        #expect(checkpoint.files.count == 2)
    }

    @Test func singleFileAndSingleFileDirectory() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [2], floats: [1, 2], as: .bf16)
        try writer.write(to: directory.appendingPathComponent("model.safetensors"))

        for url in [directory, directory.appendingPathComponent("model.safetensors")] {
            let checkpoint = try SafeTensorsCheckpoint(at: url)
            #expect(checkpoint.indexURL == nil)
            #expect(checkpoint.tensorNames == ["w"])
            #expect(try checkpoint.floats("w") == [1, 2])
        }
    }

    @Test func directoryWithoutCheckpointIsATypedError() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: SafeTensorsError.noCheckpoint(directory: directory.path)) {
            try SafeTensorsCheckpoint(at: directory)
        }
    }

    @Test func unknownTensorNamesTheIndex() throws {
        let checkpoint = try SafeTensorsCheckpoint(at: Fixtures.url("sharded"))
        #expect(checkpoint.info("nope") == nil)
        #expect(throws: SafeTensorsError.tensorNotFound(file: Fixtures.url("sharded/model.safetensors.index.json").path, tensor: "nope")) {
            try checkpoint.floats("nope")
        }
    }
}
