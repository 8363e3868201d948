import Foundation
import Testing
@testable import SafeTensors

/// Every malformed file and checkpoint in Tests/Fixtures/safetensors/bad throws the error case its
/// manifest names, with a one-line message naming the file.
@Suite struct BadFileTests {
    static let fileNames = (BadManifest.loaded?.files.keys).map { $0.sorted() } ?? []
    static let checkpointNames = (BadManifest.loaded?.checkpoints.keys).map { $0.sorted() } ?? []

    @Test func manifestCoversTheWholeCorpus() throws {
        let manifest = try #require(BadManifest.loaded, "bad/manifest.json is missing or unreadable")
        let entries = try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("bad").path)
        #expect(Set(entries).subtracting(["manifest.json"]) == Set(manifest.files.keys).union(manifest.checkpoints.keys))
        #expect(manifest.files.count >= 30 && manifest.checkpoints.count >= 9)
    }

    @Test(arguments: fileNames)
    func badFileThrowsItsCase(_ name: String) throws {
        let expected = try #require(BadManifest.loaded?.files[name])
        let url = Fixtures.url("bad/" + name)
        do {
            let file = try SafeTensorsFile(contentsOf: url)
            Issue.record("\(name) opened with tensors \(file.tensorNames); expected \(expected)")
        } catch {
            #expect(caseName(error) == expected, "\(name): \(error)")
            let message = error.description
            #expect(message.hasPrefix(url.path + ": "), "\(message)")
            #expect(!message.contains("\n"), "\(message)")
        }
    }

    @Test(arguments: checkpointNames)
    func badCheckpointThrowsItsCase(_ name: String) throws {
        let expected = try #require(BadManifest.loaded?.checkpoints[name])
        let directory = Fixtures.url("bad/" + name)
        do {
            let checkpoint = try SafeTensorsCheckpoint(at: directory)
            Issue.record("\(name) opened with tensors \(checkpoint.tensorNames); expected \(expected)")
        } catch {
            #expect(caseName(error) == expected, "\(name): \(error)")
            #expect(error.description.hasPrefix(directory.path + "/"), "\(error) should name a file in \(name)")
            #expect(!error.description.contains("\n"))
        }
    }

    // MARK: - Exact messages for the cases users meet most

    @Test func offsetsBeyondTheDataRegion() {
        let path = Fixtures.url("bad/offsets_out_of_bounds.safetensors").path
        let expected = SafeTensorsError.offsetsOutOfBounds(file: path, tensor: "x", begin: 0, end: 99, dataSize: 64)
        #expect(throws: expected) { try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path)) }
        #expect(expected.description == "\(path): tensor 'x' data_offsets [0, 99] exceed the data region (64 bytes)")
    }

    @Test func hugeHeaderLengthIsRefusedBeforeAllocating() {
        let path = Fixtures.url("bad/length_huge.safetensors").path
        #expect(throws: SafeTensorsError.headerTooLarge(file: path, length: 1 << 63, limit: 100_000_000)) {
            try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        }
    }

    @Test func tilingErrorsNameBothNeighbours() {
        let overlap = Fixtures.url("bad/overlapping.safetensors").path
        #expect(throws: SafeTensorsError.overlappingTensors(file: overlap, first: "a", second: "b")) {
            try SafeTensorsFile(contentsOf: URL(fileURLWithPath: overlap))
        }
        let gap = Fixtures.url("bad/gap.safetensors").path
        #expect(throws: SafeTensorsError.gapInData(file: gap, before: "a", after: "b", gapStart: 16, gapEnd: 20)) {
            try SafeTensorsFile(contentsOf: URL(fileURLWithPath: gap))
        }
        let trailing = Fixtures.url("bad/trailing_data.safetensors").path
        #expect(throws: SafeTensorsError.trailingData(file: trailing, coveredBytes: 16, dataSize: 20)) {
            try SafeTensorsFile(contentsOf: URL(fileURLWithPath: trailing))
        }
    }

    @Test func shardErrorsNameTheShard() {
        let directory = Fixtures.url("bad/index_tensor_absent_from_shard")
        let shard = directory.appendingPathComponent("model-00001-of-00002.safetensors").path
        #expect(throws: SafeTensorsError.tensorMissingFromShard(
            shard: shard, tensor: "b", index: "model.safetensors.index.json")) {
            try SafeTensorsCheckpoint(at: directory)
        }
    }

    @Test func missingFileAndDirectoryAreTypedErrors() throws {
        let missing = Fixtures.url("bad/does-not-exist.safetensors")
        #expect(throws: SafeTensorsError.cannotOpen(file: missing.path, reason: "No such file or directory")) {
            try SafeTensorsFile(contentsOf: missing)
        }
        #expect(throws: SafeTensorsError.notARegularFile(file: Fixtures.url("bad").path)) {
            try SafeTensorsFile(contentsOf: Fixtures.url("bad"))
        }
    }

    /// A named pipe in place of the weights is refused at once (opening it used to wait forever
    /// for a writer).
    @Test func aNamedPipeIsNotARegularFileAndDoesNotHang() throws {
        let pipe = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-\(UUID().uuidString).safetensors")
        try #require(mkfifo(pipe.path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(at: pipe) }
        #expect(throws: SafeTensorsError.notARegularFile(file: pipe.path)) { try SafeTensorsFile(contentsOf: pipe) }
    }

    // MARK: - No input crashes: every truncation and many corruptions of a good file

    /// Runs the whole validation on in-memory bytes (everything `SafeTensorsFile` does but mmap).
    private func validate(_ bytes: [UInt8]) -> Result<Int, SafeTensorsError> {
        bytes.withUnsafeBytes { raw in
            Result { () throws(SafeTensorsError) in try SafeTensorsHeader.read(fileBytes: raw, file: "mem").0.tensors.count }
        }
    }

    @Test func everyTruncationOfAGoodFileThrows() throws {
        let bytes = Array(try Data(contentsOf: Fixtures.url("specials.safetensors")))
        #expect(try validate(bytes).get() == 4)
        for length in 0..<bytes.count {
            if case .success = validate(Array(bytes[..<length])) {
                Issue.record("truncated to \(length) of \(bytes.count) bytes, the file still validated")
            }
        }
    }

    @Test func corruptedHeadersNeverCrash() throws {
        let bytes = Array(try Data(contentsOf: Fixtures.url("specials.safetensors")))
        let headerEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8
        var generator = SplitMix64(seed: 42)
        var outcomes = (ok: 0, failed: 0)
        for _ in 0..<3000 {
            var mutated = bytes
            for _ in 0..<Int(generator.next() % 3) + 1 {
                let position = Int(generator.next() % UInt64(headerEnd))
                mutated[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            switch validate(mutated) {
            case .success: outcomes.ok += 1
            case .failure(let error): outcomes.failed += 1; #expect(!error.description.contains("\n"))
            }
        }
        #expect(outcomes.failed > 0)
    }
}

/// A tiny deterministic generator, so the corruption test is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
