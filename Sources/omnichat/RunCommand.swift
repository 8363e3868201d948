import ArgumentParser
import ChameleonModel
import ChatEngine
import ChatUI
import Foundation
import TensorMath
import HalfBlockRendering
import Imaging
import PNGCodec
import VQGAN

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
    var maxTokens: Int = 2048
    @Argument(help: "User turns, in order.")
    var turns: [String] = []

    func validate() throws {
        if script != nil && !turns.isEmpty { throw ValidationError("give turns as arguments or with --script, not both") }
        if script == nil && turns.isEmpty { throw ValidationError("no user turns: give them as arguments or with --script") }
        if maxTokens <= 0 { throw ValidationError("--max-tokens must be positive") }
    }

    func run() async throws {
        let directory = try modelOptions.directory()
        let userTurns = try script.map { try ScriptTurn.load(path: $0) } ?? turns.map { ScriptTurn(text: $0, images: []) }
        let checkpoint = try ChameleonCheckpoint(directory: directory, weightFormat: modelOptions.weights,
                                                 mapWeights: !modelOptions.noMmap)
        let format = try ConversationFormat.load(directory: directory)
        let vqgan = try VQGAN(checkpoint: checkpoint.tensors, config: checkpoint.config.vqConfig, path: directory.path)
        var options = checkpoint.defaultOptions
        options.maxNewTokens = maxTokens
        sampling.apply(to: &options)
        let engine = try InferenceEngine(checkpoint: checkpoint, format: format, options: options)
        let outDirectory = try out.map { try makeDirectory($0) }
        let drawer = json ? nil : PictureDrawer()

        for (index, turn) in userTurns.enumerated() {
            var segments: [MessageSegment] = []
            for path in turn.images {
                guard vqgan.canEncode else { throw VQGANError.noEncoder(path: directory.path) }
                let side = vqgan.resolution
                let picture = try PNGReader.read(path: path).flattened()
                    .resizedAndCenterCropped(shortestSide: side, cropWidth: side, cropHeight: side)
                segments.append(.picture(codes: try vqgan.encode(picture)))
            }
            if !turn.text.isEmpty { segments.append(.text(turn.text)) }
            var text = ""
            var images: [String] = []
            var stats: GenerationStats?
            for try await event in engine.respond(to: ChatMessage(role: .user, segments: segments)) {
                switch event {
                case .text(let piece):
                    text += piece
                    if !json { FileHandle.standardOutput.write(Data(TerminalText.safeIfTerminal(piece).utf8)) }
                case .pictureFinished(let pictureIndex, let codes):
                    guard vqgan.canDecode else { throw VQGANError.noDecoder(path: directory.path) }
                    let picture = try vqgan.decodePicture(codes: codes)
                    if let outDirectory {
                        let file = outDirectory.appendingPathComponent("turn\(index + 1)-picture\(pictureIndex + 1).png")
                        try PNGWriter.write(picture, to: file.path, text: [
                            (key: "prompt", value: turn.text), (key: "model", value: directory.lastPathComponent),
                            (key: "seed", value: String(sampling.seed)),
                        ])
                        images.append(file.path)
                    }
                    if let drawer {
                        FileHandle.standardOutput.write(Data(("\n" + drawer.draw(picture)).utf8))
                    }
                case .notice(let notice):
                    printError("omnichat: \(notice)")
                case .finished(let finished):
                    stats = finished
                case .pictureBegan, .pictureCode:
                    break
                }
            }
            if json {
                let ids = await engine.messageTokenIDs.last ?? []
                let context = await engine.contextUsage
                try printJSON(TurnOutput(turn: index + 1, text: text, images: images, token_ids: ids,
                                         stats: stats.map { TurnStats($0, contextTokens: context.used) }))
            } else {
                print("")
            }
        }
    }

    struct TurnOutput: Encodable {
        let turn: Int
        let text: String
        let images: [String]
        let token_ids: [Int]
        /// How the reply was computed (absent when it failed before the first token).
        let stats: TurnStats?
    }

    /// Timing of one reply: the new prompt tokens the model ran (the conversation before them
    /// stays cached) and how long until the first reply token, then the reply itself.
    struct TurnStats: Encodable {
        let prompt_tokens: Int
        let prompt_seconds: Double
        let generated_tokens: Int
        let generation_seconds: Double
        let context_tokens: Int

        init(_ stats: GenerationStats, contextTokens: Int) {
            prompt_tokens = stats.promptTokens
            prompt_seconds = stats.promptSeconds
            generated_tokens = stats.generatedTokens
            generation_seconds = stats.generationSeconds
            context_tokens = contextTokens
        }
    }

    private func makeDirectory(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CLIError("--out: cannot create \(url.path): \(error.localizedDescription)")
        }
        return url
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
