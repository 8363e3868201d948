import ArgumentParser
import ChatUI
import Foundation
import HalfBlockRendering
import Imaging

/// `omnichat run`: plays user turns through the same conversation engine as the chat, without
/// the terminal interface, for scripts, evaluation and quick use.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Play user turns through the chat engine and print the replies.",
        discussion: """
            Turns come as arguments or, with --script, as JSON lines {"text": "...", "images": ["a.png"]} \
            (image paths relative to the script's folder). Attached pictures go before the text. Each \
            assistant picture is written to --out as PNG. With --json one object per assistant turn is \
            printed: {"turn": i, "text": "...", "images": [...], "token_ids": [...]}; otherwise the text \
            is printed and pictures are drawn in half blocks.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @Option(name: .long, help: ArgumentHelp("Folder for the assistant's pictures (created if missing).", valueName: "DIR"))
    var out: String?
    @Flag(name: .long, help: "Print one JSON object per assistant turn.")
    var json = false
    @Option(name: .long, help: ArgumentHelp("User turns as JSON lines.", valueName: "FILE.jsonl"))
    var script: String?
    @Option(name: .long, help: "Most tokens per reply (a picture once begun is finished).")
    var maxTokens: Int = TurnPlayer.defaultMaxTokens
    @Argument(help: "User turns, in order.")
    var turns: [String] = []

    func validate() throws {
        if script != nil && !turns.isEmpty { throw ValidationError("give turns as arguments or with --script, not both") }
        if script == nil && turns.isEmpty { throw ValidationError("no user turns: give them as arguments or with --script") }
        if maxTokens <= 0 { throw ValidationError("--max-tokens must be positive") }
    }

    func run() async throws {
        let userTurns = try script.map { try ScriptTurn.load(path: $0) } ?? turns.map { ScriptTurn(text: $0, images: []) }
        let player = TurnPlayer(modelOptions: modelOptions, sampling: sampling, out: out, json: json, maxTokens: maxTokens)
        try await player.play(userTurns)
    }
}

/// One user turn of a `--script` file.
struct ScriptTurn: Decodable {
    var text: String
    var images: [String]

    init(text: String, images: [String]) {
        self.text = text
        self.images = images
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = try c.decodeIfPresent(String.self, forKey: .text) ?? ""
        images = try c.decodeIfPresent([String].self, forKey: .images) ?? []
    }

    enum CodingKeys: String, CodingKey { case text, images }

    /// Reads JSON lines; image paths are resolved against the script's folder.
    static func load(path: String) throws -> [ScriptTurn] {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw CLIError("\(path): cannot read script") }
        let folder = url.deletingLastPathComponent()
        var turns: [ScriptTurn] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            var turn: ScriptTurn
            do { turn = try JSONDecoder().decode(ScriptTurn.self, from: Data(trimmed.utf8)) } catch {
                throw CLIError("\(path):\(number + 1): not a turn object {\"text\": ..., \"images\": [...]}")
            }
            turn.images = turn.images.map { $0.hasPrefix("/") ? $0 : folder.appendingPathComponent($0).path }
            if turn.text.isEmpty && turn.images.isEmpty { throw CLIError("\(path):\(number + 1): empty turn") }
            turns.append(turn)
        }
        guard !turns.isEmpty else { throw CLIError("\(path): no turns") }
        return turns
    }
}

/// Draws pictures in half blocks for standard output, in the colours the environment allows.
struct PictureDrawer {
    let renderer = HalfBlockRenderer(colorMode: TerminalDefaults.colorMode(environment: ProcessInfo.processInfo.environment))

    func draw(_ picture: RGBImage) -> String {
        let columns = min(picture.width, 64)
        return ANSISerializer.serialize(renderer.render(picture, columns: columns))
    }
}
