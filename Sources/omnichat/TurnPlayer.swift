import ChameleonModel
import ChatEngine
import ChatUI
import Foundation
import HalfBlockRendering
import Imaging
import PNGCodec
import TensorMath
import VQGAN

/// Plays user turns through the conversation engine without the terminal interface: what
/// `omnichat run` does, and what `omnichat` does when its standard input is not a terminal.
struct TurnPlayer {
    let modelOptions: ModelOptions
    let sampling: SamplingOptions
    /// Folder for the assistant's pictures, if any.
    let out: String?
    /// One JSON object per assistant turn instead of text and half-block pictures.
    let json: Bool
    /// Most tokens per reply.
    let maxTokens: Int
    /// Sampling defaults applied before `sampling` (the chat's config file), if any.
    var configuredSampling: SamplingOptions? = nil
    /// Colours of half-block pictures; nil: `PictureDrawer.defaultColorMode()`.
    var colorMode: ColorMode? = nil

    /// Most tokens per reply unless asked otherwise (a picture once begun is finished).
    static let defaultMaxTokens = 2048

    /// Plays `turns` in order through one engine, printing each reply as it comes.
    func play(_ userTurns: [ScriptTurn]) async throws {
        let directory = try modelOptions.directory()
        let checkpoint = try LoadProgressLine().showing { progress in
            try ChameleonCheckpoint(directory: directory, weightFormat: modelOptions.weights,
                                    mapWeights: !modelOptions.noMmap, loadProgress: progress)
        }
        let format = try ConversationFormat.load(directory: directory)
        let vqgan = try VQGAN(checkpoint: checkpoint.tensors, config: checkpoint.config.vqConfig, path: directory.path)
        var options = checkpoint.defaultOptions
        options.maxNewTokens = maxTokens
        configuredSampling?.apply(to: &options)
        sampling.apply(to: &options)
        let engine = try InferenceEngine(checkpoint: checkpoint, format: format, options: options)
        let outDirectory = try out.map { try makeDirectory($0) }
        let drawer = json ? nil : PictureDrawer(colorMode: colorMode ?? PictureDrawer.defaultColorMode())

        var replyToReplace = false
        for (index, turn) in userTurns.enumerated() {
            var segments: [MessageSegment] = []
            for part in turn.parts {
                switch part {
                case .text(let text):
                    segments.append(.text(text))
                case .image(let path):
                    guard vqgan.canEncode else { throw VQGANError.noEncoder(path: directory.path) }
                    let side = vqgan.resolution
                    let picture = try PNGReader.read(path: path).flattened()
                        .resizedAndCenterCropped(shortestSide: side, cropWidth: side, cropHeight: side)
                    segments.append(.picture(codes: try vqgan.encode(picture)))
                }
            }
            // A written assistant turn takes the place of the reply the model gave; a user turn
            // not to be answered is only added.
            let message = ChatMessage(role: turn.role, segments: segments)
            if turn.role == .assistant || !turn.generate {
                if turn.role == .assistant && replyToReplace { await engine.dropLast(1) }
                let dropped = try await engine.addMakingRoom(message)
                if dropped > 0 { printError("omnichat: \(InferenceEngine.droppedNotice(dropped))") }
                replyToReplace = false
                continue
            }
            replyToReplace = true
            var text = ""
            var images: [String] = []
            var stats: GenerationStats?
            for try await event in engine.respond(to: message) {
                switch event {
                case .text(let piece):
                    text += piece
                    // Made safe for a pipe too: it often ends on a terminal (`| tee log`,
                    // `| less -R`), and `--json` is the exact form.
                    if !json { FileHandle.standardOutput.write(Data(TerminalText.safe(piece).utf8)) }
                case .pictureFinished(let pictureIndex, let codes):
                    guard vqgan.canDecode else { throw VQGANError.noDecoder(path: directory.path) }
                    let picture = try vqgan.decodePicture(codes: codes)
                    if let outDirectory {
                        let file = outDirectory.appendingPathComponent("turn\(index + 1)-picture\(pictureIndex + 1).png")
                        try PNGWriter.write(picture, to: file.path, text: [
                            (key: "prompt", value: message.text), (key: "model", value: directory.lastPathComponent),
                            (key: "seed", value: String(options.seed)),
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
                case .pictureBegan, .pictureCode, .contextUsed, .contextDropped:
                    break
                }
            }
            if json {
                let ids = await engine.messageTokenIDs.last ?? []
                let context = await engine.contextUsage
                try printJSON(TurnOutput(turn: index + 1, text: text, images: images, token_ids: ids,
                                         stats: stats.map { TurnStats($0, contextTokens: context.used) }))
            } else {
                // Through the same unbuffered handle as the reply, so a pipe gets the turns in order.
                FileHandle.standardOutput.write(Data("\n".utf8))
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
