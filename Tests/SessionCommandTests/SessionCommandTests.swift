import ChameleonModel
import ChatEngine
import Foundation
import PNGCodec
import Sessions
import Testing
@testable import omnichat

/// Runs the `omnichat` binary built beside the tests.
struct OmnichatBinary {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let model = fixtures.appendingPathComponent("engine/plain")

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "the omnichat binary is not beside the test bundle" }
    }

    static func executable() throws -> URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [here.appendingPathComponent("omnichat"), here.deletingLastPathComponent().appendingPathComponent("omnichat")]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else { throw MissingBinary() }
        return found
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// An environment whose data directory (and home) is `data`.
    static func environment(data: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["OMNICHAT_DATA_DIR"] = data.path
        environment["HOME"] = data.path
        environment["OMNICHAT_MODEL"] = nil
        return environment
    }

    static func run(_ arguments: [String], data: URL) throws -> Result {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.environment = environment(data: data)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func scratch(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omnichat cli ü 한/\(label) \(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A data directory holding the committed version-1 session.
    static func dataWithSample() throws -> (data: URL, id: String) {
        let data = try scratch("data")
        let id = "20250101-120000-4393db"
        try FileManager.default.createDirectory(at: data.appendingPathComponent("sessions"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("sessions/\(id)"), to: data.appendingPathComponent("sessions/\(id)"))
        return (data, id)
    }
}

/// `omnichat sessions` and `omnichat export` as scripts use them.
@Suite struct SessionCommandTests {
    /// `omnichat --resume` keeps the session's sampling settings, except where a flag given now
    /// says otherwise (it used to drop the flags without a word).
    @Test func flagsGivenWithResumeWinOverTheSessionsSettings() throws {
        var session = GenerationOptions()
        session.seed = 17
        session.text.temperature = 0.7
        session.text.greedy = true
        session.image.greedy = true
        #expect(try SamplingOptions.parse([]).overriding(session) == session)
        let changed = try SamplingOptions.parse(["--temperature", "0.2", "--seed", "5"]).overriding(session)
        #expect(changed.seed == 5 && changed.text.temperature == 0.2 && changed.image.temperature == 0.2)
        #expect(!changed.text.greedy && !changed.image.greedy)
        let reseeded = try SamplingOptions.parse(["--seed", "9"]).overriding(session)
        #expect(reseeded.seed == 9 && reseeded.text.temperature == 0.7 && reseeded.text.greedy)
    }

    @Test func sessionsJSONHasTheDocumentedShape() throws {
        let (data, id) = try OmnichatBinary.dataWithSample()
        // A broken session beside it is reported on stderr and left out.
        let broken = data.appendingPathComponent("sessions/20250102-000000-000000")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{\"format\": \"omnichat-session\", \"version\": 9}".utf8).write(to: broken.appendingPathComponent("session.json"))

        let result = try OmnichatBinary.run(["sessions", "--json"], data: data)
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 1)
        #expect(Set(array[0].keys) == ["id", "path", "created", "updated", "title", "turns", "pictures"])
        #expect(array[0]["id"] as? String == id)
        #expect(array[0]["path"] as? String == data.appendingPathComponent("sessions/\(id)").path)
        #expect(array[0]["created"] as? String == "2025-01-01T12:00:00.000Z")
        #expect(array[0]["updated"] as? String == "2025-01-01T12:01:30.000Z")
        #expect(array[0]["title"] as? String == "what is in this picture?")
        #expect(array[0]["turns"] as? Int == 4)
        #expect(array[0]["pictures"] as? Int == 1)
        #expect(result.stderr.contains("made by a newer omnichat"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        // Left untouched.
        #expect(try Data(contentsOf: broken.appendingPathComponent("session.json")) == Data("{\"format\": \"omnichat-session\", \"version\": 9}".utf8))
    }

    @Test func sessionsTableAndPath() throws {
        let (data, id) = try OmnichatBinary.dataWithSample()
        let table = try OmnichatBinary.run(["sessions"], data: data)
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("ID"))
        #expect(lines[1].hasPrefix(id) && lines[1].hasSuffix("what is in this picture?"))
        #expect(lines[1].contains("2025-01-01 12:01"))
        let path = try OmnichatBinary.run(["sessions", "--path"], data: data)
        #expect(path.stdout == data.appendingPathComponent("sessions").path + "\n")
        let empty = try OmnichatBinary.run(["sessions", "--json"], data: try OmnichatBinary.scratch("empty"))
        #expect(empty.stdout == "[]\n")
    }

    @Test func exportWritesAndNeverOverwritesSilently() throws {
        let (data, _) = try OmnichatBinary.dataWithSample()
        // `~` is the home directory (here the scratch data directory); names have spaces and non-ASCII.
        let markdown = try OmnichatBinary.run(["export", "latest", "--format", "md", "--out", "~/내 대화.md"], data: data)
        #expect(markdown.status == 0, "\(markdown.stderr)")
        let document = data.appendingPathComponent("내 대화.md")
        #expect(markdown.stdout.split(separator: "\n").map(String.init) == [document.path, data.appendingPathComponent("내 대화-picture-1.png").path])
        #expect(try String(contentsOf: document, encoding: .utf8)
                == String(contentsOf: OmnichatBinary.fixtures.appendingPathComponent("sessions/export.md"), encoding: .utf8)
                    .replacingOccurrences(of: "%EB%82%B4%20%EB%8C%80%ED%99%94%20%281%29", with: "%EB%82%B4%20%EB%8C%80%ED%99%94"))

        let again = try OmnichatBinary.run(["export", "2025", "--format", "md", "--out", "~/내 대화.md"], data: data)
        #expect(again.status != 0)
        #expect(again.stderr.contains("\(document.path): already exists; pass --force to overwrite it"))
        #expect(again.stderr.split(separator: "\n").count == 1)
        let forced = try OmnichatBinary.run(["export", "2025", "--format", "md", "--out", "~/내 대화.md", "--force"], data: data)
        #expect(forced.status == 0)

        let html = try OmnichatBinary.run(["export", "20250101-120000-4393db", "--format", "html", "--out", data.appendingPathComponent("a b.html").path], data: data)
        #expect(html.status == 0, "\(html.stderr)")
        #expect(try String(contentsOf: data.appendingPathComponent("a b.html"), encoding: .utf8).contains("data:image/png;base64,"))

        let missing = try OmnichatBinary.run(["export", "nothing", "--format", "html", "--out", "x.html"], data: data)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no saved session \"nothing\""))
    }

    @Test func bareResumeMeansLatest() {
        #expect(SessionOptions.normalizingBareResume(["--resume"]) == ["--resume", "latest"])
        #expect(SessionOptions.normalizingBareResume(["--resume", "--model", "m"]) == ["--resume", "latest", "--model", "m"])
        #expect(SessionOptions.normalizingBareResume(["--resume", "abc"]) == ["--resume", "abc"])
        #expect(SessionOptions.normalizingBareResume(["--", "--resume"]) == ["--", "--resume"])
    }

    /// The chat's entry point: a resume restores the engine and continues saving in place.
    @Test func chatSessionResumesAndKeepsSaving() async throws {
        let (data, id) = try OmnichatBinary.dataWithSample()
        let store = SessionStore(directory: data.appendingPathComponent("sessions"))
        let checkpoint = try ChameleonCheckpoint(directory: OmnichatBinary.model)
        let engine = try InferenceEngine(checkpoint: checkpoint, format: try ConversationFormat.load(directory: OmnichatBinary.model))
        let options = try SessionOptions.parse(SessionOptions.normalizingBareResume(["--resume"]))
        let chat = try await ChatSession.start(options, engine: engine, renderer: nil, store: store)
        #expect(chat.resumed?.session.id == id)
        #expect(await engine.messages.count == 4)
        let writer = try #require(chat.writer)
        #expect(writer.id == id)
        for try await _ in engine.respond(to: .user("more")) {}
        try await writer.save(engine.sessionSnapshot())
        #expect(try store.load(id).manifest.turns.count == 6)

        let fresh = try SessionOptions.parse(["--no-autosave"])
        #expect(try await ChatSession.start(fresh, engine: engine, renderer: nil, store: store).writer == nil)
    }
}

/// `omnichat export` draws pictures saved as codes only with a model's VQGAN.
@Suite struct ExportDrawingTests {
    struct Decode: Decodable { let grid_width: Int; let grid_height: Int; let codes: [Int]; let rgb: String }
    struct Reference: Decodable { let decodes: [Decode] }

    /// A session made without a picture decoder: its one picture is codes only.
    func codesOnlySession(codes: [Int]) throws -> URL {
        let data = try OmnichatBinary.scratch("draw")
        let directory = data.appendingPathComponent("sessions/20250301-000000-00c0de")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let hash = String(repeating: "0", count: 64)
        let manifest: [String: Any] = [
            "format": "omnichat-session", "version": 1, "id": "20250301-000000-00c0de",
            "created": "2025-03-01T00:00:00.000Z", "updated": "2025-03-01T00:00:10.000Z", "title": "a picture",
            "model": ["directory": "/nowhere", "name": "vq", "config_sha256": hash, "tokenizer_sha256": hash, "vocab_size": 512,
                      "codebook_size": 256, "codes_per_picture": codes.count, "context_length": 4096],
            "sampling": ["mode": "interleaved", "seed": 0, "max_new_tokens": 10, "guidance_text": 3, "guidance_image": 1.2,
                         "text": ["temperature": 0.7, "top_k": 0, "top_p": 0.9, "repetition_penalty": 1.2, "greedy": false],
                         "image": ["temperature": 1, "top_k": 0, "top_p": 0.9, "repetition_penalty": 1, "greedy": false]],
            "beginning_token_ids": [0],
            "turns": [["role": "user", "in_context": true, "token_ids": [1, 2],
                       "segments": [["type": "text", "text": "a picture"], ["type": "picture", "codes": codes, "file": NSNull()]]]],
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: directory.appendingPathComponent("session.json"))
        return data
    }

    @Test func picturesSavedAsCodesAreDrawnWithTheModelsVQGAN() throws {
        let vqgan = OmnichatBinary.fixtures.appendingPathComponent("vqgan/plain")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: vqgan.appendingPathComponent("reference.json")))
        let decode = try #require(reference.decodes.first { $0.grid_width == 8 && $0.grid_height == 8 })
        let data = try codesOnlySession(codes: decode.codes)

        let plain = try OmnichatBinary.run(["export", "latest", "--format", "md", "--out", data.appendingPathComponent("plain.md").path], data: data)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stderr.contains("1 picture(s) were saved as codes only"))
        #expect(try String(contentsOf: data.appendingPathComponent("plain.md"), encoding: .utf8).contains("picture not available"))

        let drawn = try OmnichatBinary.run(["export", "latest", "--format", "md", "--model", vqgan.path,
                                            "--out", data.appendingPathComponent("drawn.md").path], data: data)
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect(drawn.stderr.isEmpty)
        let picture = try PNGReader.read(path: data.appendingPathComponent("drawn-picture-1.png").path).flattened()
        let expected = try Data(contentsOf: vqgan.appendingPathComponent(decode.rgb))
        #expect(picture.width == 16 && picture.height == 16)
        #expect(picture.pixels.count == expected.count)
        #expect(zip(picture.pixels, expected).allSatisfy { abs(Int($0) - Int($1)) <= 1 }, "the export holds the VQGAN's decode")
    }
}
