import Foundation
import Testing

/// The `omnichat` binary as scripts use it: exact flags, JSON shapes, exit codes, one-line errors.
@Suite struct CLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine")

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs the built `omnichat` with `arguments`; `input`, when given, is piped to its standard input.
    /// The built `omnichat` binary.
    func executable() throws -> URL {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("omnichat")
        let candidates = [binary, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("omnichat")]
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) })
    }

    func omnichat(_ arguments: [String], input: Data? = nil, environment extra: [String: String] = [:]) throws -> Result {
        try run(executable(), arguments, input: input, environment: extra)
    }

    /// Runs `executable` with the test environment (no user config, no OMNICHAT_MODEL).
    func run(_ executable: URL, _ arguments: [String], input: Data? = nil, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMNICHAT_MODEL"] = nil
        environment["XDG_CONFIG_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("omnichat-no-config").path
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputPipe = input.map { _ in Pipe() }
        if let inputPipe { process.standardInput = inputPipe }
        try process.run()
        if let inputPipe, let input {
            inputPipe.fileHandleForWriting.write(input)
            try inputPipe.fileHandleForWriting.close()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    struct Reference: Decodable {
        struct Prompt: Decodable { let ids: [Int]; let logits: String?; let greedy_free: [Int]?; let greedy_interleaved: [Int] }
        let prompts: [Prompt]
        let cfg_text: Float
        let cfg_image: Float
    }

    func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("\(name)/reference.json")))
    }

    @Test func completeJSONGivesTheReferenceGreedyTokens() throws {
        let model = Self.fixtures.appendingPathComponent("gqa_bias").path
        let prompt = try reference("gqa_bias").prompts[0]
        let result = try omnichat(["complete", "--model", model, "--ids", prompt.ids.map(String.init).joined(separator: " "),
                                   "--greedy", "--mode", "free", "--max-tokens", "64", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        struct Output: Decodable { let token_ids: [Int]; let text: String }
        let output = try JSONDecoder().decode(Output.self, from: Data(result.stdout.utf8))
        #expect(output.token_ids == prompt.greedy_free)
    }

    @Test func completeInterleavedUsesGuidanceFlags() throws {
        let model = Self.fixtures.appendingPathComponent("swin").path
        let ref = try reference("swin")
        let prompt = ref.prompts[2]
        let result = try omnichat(["complete", "--model", model, "--ids", prompt.ids.map(String.init).joined(separator: ","),
                                   "--greedy", "--cfg-text", "\(ref.cfg_text)", "--cfg-image", "\(ref.cfg_image)",
                                   "--max-tokens", "64", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        struct Output: Decodable { let token_ids: [Int] }
        #expect(try JSONDecoder().decode(Output.self, from: Data(result.stdout.utf8)).token_ids == prompt.greedy_interleaved)
    }

    @Test func dumpLogitsWritesPromptByVocabularyFloat32() throws {
        let model = Self.fixtures.appendingPathComponent("plain").path
        let prompt = try reference("plain").prompts[0]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("logits-\(UUID().uuidString).npy")
        let result = try omnichat(["complete", "--model", model, "--ids", prompt.ids.map(String.init).joined(separator: " "),
                                   "--max-tokens", "1", "--dump-logits", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try Data(contentsOf: file)
        let expected = try Data(contentsOf: Self.fixtures.appendingPathComponent("plain/\(prompt.logits!)"))
        // Same header (shape and dtype); values compared in the engine's conformance tests.
        let header = { (d: Data) in String(decoding: d.prefix(128), as: UTF8.self).components(separatedBy: "\n")[0] }
        #expect(header(written).contains("'shape': (\(prompt.ids.count), 420)"))
        #expect(header(written).contains("'<f4'"))
        #expect(written.count == expected.count)
    }

    /// `--version` prints the name and release on one line and succeeds, as other CLIs do (the
    /// chat, the default subcommand, does not take it for an unknown option).
    @Test func versionPrintsTheNameAndRelease() throws {
        let result = try omnichat(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.range(of: #"^omnichat [0-9]+\.[0-9]+\.[0-9]+\n$"#, options: .regularExpression) != nil, "\(result.stdout)")
    }

    @Test func tokenizeThenDetokenizeRoundTrips() throws {
        let model = Self.fixtures.appendingPathComponent("plain").path
        let text = "draw a red circle 🙂 안녕 12"
        let ids = try omnichat(["tokenize", "--model", model, "--no-special", text])
        #expect(ids.status == 0)
        let back = try omnichat(["detokenize", "--model", model, "--ids", ids.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(back.stdout == text + "\n")
        let json = try omnichat(["tokenize", "--model", model, "--json", "hi"])
        struct Output: Decodable { let token_ids: [Int]; let tokens: [String] }
        let decoded = try JSONDecoder().decode(Output.self, from: Data(json.stdout.utf8))
        #expect(decoded.tokens.first == "<s>" && decoded.token_ids.count == decoded.tokens.count)
    }

    @Test func benchJSONReportsSpeedsAndMemory() throws {
        let model = Self.fixtures.appendingPathComponent("plain").path
        let result = try omnichat(["bench", "--model", model, "--prompt-tokens", "16", "--gen-tokens", "8", "--repetitions", "1", "--picture", "--json",
                                   "--probe-megabytes", "16"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in ["prefill_tokens_per_s", "decode_tokens_per_s", "peak_rss_bytes", "vq_encode_ms", "vq_decode_ms", "picture_seconds", "bytes_read_per_token", "read_bandwidth_gb_per_s", "weight_bytes", "threads"] {
            #expect(((object[key] as? NSNumber)?.doubleValue ?? 0) > 0, "\(key)")
        }
    }

    /// Bad input: one line on stderr naming the problem, a non-zero exit, never a crash.
    @Test(arguments: [
        (["complete", "--model", "/nonexistent/dir", "--ids", "0"], "/nonexistent/dir"),
        (["complete", "--model", "@plain", "--ids", "0 99999"], "99999"),
        (["complete", "--model", "@plain", "--ids", "0 x"], "\"x\""),
        (["complete", "--model", "@plain", "--ids", "0", "--top-p", "2"], "--top-p"),
        (["complete", "--model", "@plain", "--ids", "0", "--mode", "bogus"], "bogus"),
        (["detokenize", "--model", "/nonexistent/dir", "--ids", "1"], "tokenizer.json"),
        (["complete", "--model", "@plain", "--ids", "0", "--cfg-text", "nan"], "--cfg-text"),
        (["complete", "--model", "@plain", "--ids", "0", "--cfg-image", "inf"], "--cfg-image"),
        (["bench", "--model", "@plain", "--prompt-tokens", "9223372036854775807", "--gen-tokens", "1"], "context"),
        (["session-stress", "--model", "@plain", "--turns=-1"], "--turns"),
    ])
    func badInputGivesOneLineAndFailure(arguments: [String], mention: String) throws {
        let resolved = arguments.map { $0 == "@plain" ? Self.fixtures.appendingPathComponent("plain").path : $0 }
        let result = try omnichat(resolved)
        #expect(result.status != 0)
        #expect(result.status < 128, "a signal means a crash")
        #expect(result.stderr.contains(mention), "\(result.stderr)")
    }

    @Test func errorsQuotingAFileNameCannotSendEscapeSequences() throws {
        let result = try omnichat(["complete", "--model", "/nonexistent/\u{1B}]52;c;aGk=\u{07}\u{1B}[2J", "--ids", "0"])
        #expect(result.status != 0 && result.status < 128)
        #expect(result.stderr.contains("/nonexistent/\\u{1b}]52;c;aGk=\\u{7}\\u{1b}[2J"), "\(result.stderr)")
        #expect(!result.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
    }

    @Test func truncatedWeightsAreNamed() throws {
        let source = Self.fixtures.appendingPathComponent("plain")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trunc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["config.json", "tokenizer.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let weights = try Data(contentsOf: source.appendingPathComponent("model.safetensors"))
        try weights.prefix(weights.count / 2).write(to: dir.appendingPathComponent("model.safetensors"))
        let result = try omnichat(["complete", "--model", dir.path, "--ids", "0"])
        #expect(result.status != 0 && result.status < 128)
        #expect(result.stderr.contains("model.safetensors"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
