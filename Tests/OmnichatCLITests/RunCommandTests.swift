import ChatUI
import Foundation
import Testing
@testable import omnichat

/// `omnichat run`: the chat engine without the interface, as scripts and the evaluation use it.
@Suite struct RunCommandTests {
    let cli = CLITests()
    var swin: String { CLITests.fixtures.appendingPathComponent("swin").path }

    struct Turn: Decodable {
        let turn: Int
        let text: String
        let images: [String]
        let token_ids: [Int]
    }

    func turns(_ stdout: String) throws -> [Turn] {
        try stdout.split(separator: "\n").map { try JSONDecoder().decode(Turn.self, from: Data($0.utf8)) }
    }

    @Test func jsonGivesOneObjectPerAssistantTurnAndWritesPictures() throws {
        // Sample until the random fixture model draws a picture (it does for some seeds).
        var found: (Turn, URL)?
        for seed in 1...20 where found == nil {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
            let result = try cli.omnichat(["run", "--model", swin, "--seed", "\(seed)", "--temperature", "1.5",
                                           "--max-tokens", "60", "--json", "--out", out.path, "draw a star", "bigger"])
            #expect(result.status == 0, "\(result.stderr)")
            let parsed = try turns(result.stdout)
            #expect(parsed.map(\.turn) == [1, 2])
            if let withPicture = parsed.first(where: { !$0.images.isEmpty }) { found = (withPicture, out) }
        }
        let (turn, out) = try #require(found, "no seed in 1...20 drew a picture")
        for path in turn.images {
            #expect(path.hasPrefix(out.path))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        }
        // The turn's token ids hold each picture as begin-image, 16 codes (a 4x4 grid), end-image.
        let detok = try cli.omnichat(["tokenize", "--model", swin, "--json", "--no-special", "<racm3:break><eoss>"])
        struct Ids: Decodable { let token_ids: [Int] }
        let markers = try JSONDecoder().decode(Ids.self, from: Data(detok.stdout.utf8)).token_ids
        let begin = try #require(turn.token_ids.firstIndex(of: markers[0]))
        #expect(turn.token_ids[begin + 17] == markers[1])
    }

    @Test func scriptAttachesPicturesAndDrawsHalfBlocksWithoutJSON() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let png = CLITests.fixtures.deletingLastPathComponent().appendingPathComponent("png/good")
        let anyPNG = try #require(try FileManager.default.contentsOfDirectory(atPath: png.path).sorted().first { $0.hasSuffix(".png") })
        try FileManager.default.copyItem(at: png.appendingPathComponent(anyPNG), to: folder.appendingPathComponent("my picture.png"))
        let script = folder.appendingPathComponent("turns.jsonl")
        try Data("""
            {"text": "what colour is it?", "images": ["my picture.png"]}
            {"text": "thanks"}
            """.utf8).write(to: script)
        let result = try cli.omnichat(["run", "--model", swin, "--script", script.path, "--max-tokens", "5"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.isEmpty)
    }

    @Test func writtenAssistantTurnsReplaceTheModelsReplies() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("forced-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func play(_ lines: [String]) throws -> [Turn] {
            let script = folder.appendingPathComponent("s.jsonl")
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: script)
            let result = try cli.omnichat(["run", "--model", swin, "--greedy", "--max-tokens", "12", "--json", "--script", script.path])
            #expect(result.status == 0, "\(result.stderr)")
            return try turns(result.stdout)
        }
        let written = #"{"role": "assistant", "segments": [{"text": "a written answer"}]}"#
        // Answered, then replaced by the written turn; or never answered: the same context
        // either way, so the same greedy reply to the last line.
        let replaced = try play([#"{"text": "hello"}"#, written, #"{"text": "and then?"}"#])
        let skipped = try play([#"{"text": "hello", "generate": false}"#, written, #"{"segments": [{"text": "and then?"}]}"#])
        #expect(replaced.map(\.turn) == [1, 3])
        #expect(skipped.map(\.turn) == [3])
        #expect(replaced.last?.token_ids == skipped.last?.token_ids)
        #expect(replaced.last?.text == skipped.last?.text)
    }

    /// Without --json each reply is printed as it streams and ends its line, also into a pipe
    /// (the newline once went through a buffer and reached the pipe after every reply), with
    /// control characters shown as escapes there too (a pipe often ends on a terminal).
    @Test func plainOutputEndsEveryReplyWithItsOwnLine() throws {
        let arguments = ["run", "--model", swin, "--greedy", "--max-tokens", "8", "hello", "what can you do?", "thanks"]
        let json = try cli.omnichat(arguments + ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let replies = try turns(json.stdout)
        #expect(replies.count == 3 && replies.allSatisfy { $0.images.isEmpty && !$0.text.isEmpty })
        let plain = try cli.omnichat(arguments)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout == replies.map { TerminalText.safe($0.text) + "\n" }.joined())
    }

    /// Pictures into a file or a pipe have no colour unless asked for; on a terminal they take
    /// the colours the environment and terminfo allow.
    @Test func picturesHaveNoColourOutsideATerminal() {
        #expect(PictureDrawer.defaultColorMode(environment: ["COLORTERM": "truecolor"], isTerminal: false) == .monochrome)
        #expect(PictureDrawer.defaultColorMode(environment: ["COLORTERM": "truecolor"], isTerminal: true) == .truecolor)
        #expect(PictureDrawer.defaultColorMode(environment: ["COLORTERM": "truecolor", "NO_COLOR": "1"], isTerminal: true) == .monochrome)
    }

    /// Pictures are drawn no wider than the terminal, one column per pixel at most, 64 at most.
    @Test func picturesFitTheTerminal() {
        #expect(PictureDrawer.columns(terminalColumns: 40, pictureWidth: 128) == 40)
        #expect(PictureDrawer.columns(terminalColumns: 200, pictureWidth: 128) == 64)
        #expect(PictureDrawer.columns(terminalColumns: nil, pictureWidth: 128) == 64)
        #expect(PictureDrawer.columns(terminalColumns: 80, pictureWidth: 32) == 32)
        #expect(PictureDrawer.columns(terminalColumns: 0, pictureWidth: 128) == 64)
    }

    /// The chat with its output redirected (a terminal on standard input only) says what to do
    /// instead, before loading the model. `script` gives the command a terminal.
    @Test func theChatWithRedirectedOutputPointsToTheAlternatives() throws {
        let script = URL(fileURLWithPath: "/usr/bin/script")
        guard FileManager.default.isExecutableFile(atPath: script.path) else { return }
        let command = "'\(try cli.executable().path)' --model '\(swin)' > /dev/null"
        let result = try cli.run(script, ["-qec", command, "/dev/null"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("the chat needs a terminal on standard output"), "\(result.stdout)")
        #expect(!result.stdout.contains("loading"))
    }

    @Test func pipedInputIsOneMessageAnsweredAsRunAnswersIt() throws {
        let piped = try cli.omnichat(["--model", swin, "--seed", "3"], input: Data("hello\nthere\n".utf8))
        #expect(piped.status == 0, "\(piped.stderr)")
        let run = try cli.omnichat(["run", "--model", swin, "--seed", "3", "hello\nthere"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!piped.stdout.isEmpty)
        #expect(piped.stdout == run.stdout)
        let empty = try cli.omnichat(["--model", swin], input: Data(" \n".utf8))
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("standard input is empty"))
        // A session cannot be resumed from a pipe: refused in one line rather than answered
        // without the session's context.
        let resuming = try cli.omnichat(["--model", swin, "--resume", "latest"], input: Data("hello\n".utf8))
        #expect(resuming.status != 0 && resuming.status < 128)
        #expect(resuming.stderr.contains("--resume latest needs the chat on a terminal"), "\(resuming.stderr)")
        #expect(resuming.stdout.isEmpty)
    }

    @Test func theConfigFileSetsTheChatsModelAndSamplingUnderTheFlags() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("omnichat"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let file = home.appendingPathComponent("omnichat/config.toml")
        try Data("# my defaults\nmodel = \"\(swin)\"\ngreedy = true\n".utf8).write(to: file)
        let environment = ["XDG_CONFIG_HOME": home.path]
        let configured = try cli.omnichat([], input: Data("hello".utf8), environment: environment)
        #expect(configured.status == 0, "\(configured.stderr)")
        let flags = try cli.omnichat(["run", "--model", swin, "--greedy", "hello"])
        #expect(!configured.stdout.isEmpty && configured.stdout == flags.stdout)
        // A flag still wins over the file.
        let sampled = try cli.omnichat(["--temperature", "1.5", "--seed", "4"], input: Data("hello".utf8), environment: environment)
        #expect(sampled.status == 0, "\(sampled.stderr)")
        #expect(sampled.stdout != configured.stdout)

        for (text, mention) in [("temprature = 0.5\n", "unknown key temprature (did you mean temperature?)"),
                                ("top_k = many\n", ":1: the value of top_k must be a quoted string, a number, true or false"),
                                ("top_p = 7\n", "top-p must be in (0, 1]"),
                                ("weights = \"q3\"\n", "weights = q3: expected f32, bf16, q8, q4")] {
            try Data(text.utf8).write(to: file)
            let result = try cli.omnichat([], input: Data("hello".utf8), environment: environment)
            #expect(result.status != 0)
            #expect(result.stderr.contains(file.path) && result.stderr.contains(mention), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    @Test(arguments: [
        (["run", "--model", "@swin"], "no user turns"),
        (["run", "--model", "@swin", "--script", "/nonexistent.jsonl"], "/nonexistent.jsonl"),
        (["run", "--model", "@swin", "--script", "@bad-script"], "not a turn object"),
        (["run", "--model", "@swin", "--script", "@missing-image"], "nothere.png"),
        (["run", "--model", "@swin", "--script", "@bad-role"], "not a turn object"),
    ])
    func badInputIsOneLine(arguments: [String], mention: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("{not json\n".utf8).write(to: folder.appendingPathComponent("bad.jsonl"))
        try Data(#"{"text": "hi", "images": ["nothere.png"]}"#.utf8).write(to: folder.appendingPathComponent("missing.jsonl"))
        try Data(#"{"role": "system", "text": "hi"}"#.utf8).write(to: folder.appendingPathComponent("role.jsonl"))
        let resolved = arguments.map { argument -> String in
            switch argument {
            case "@swin": swin
            case "@bad-script": folder.appendingPathComponent("bad.jsonl").path
            case "@missing-image": folder.appendingPathComponent("missing.jsonl").path
            case "@bad-role": folder.appendingPathComponent("role.jsonl").path
            default: argument
            }
        }
        let result = try cli.omnichat(resolved)
        #expect(result.status != 0 && result.status < 128)
        #expect(result.stderr.contains(mention), "\(result.stderr)")
    }
}
