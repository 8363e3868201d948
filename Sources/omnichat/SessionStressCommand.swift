import ArgumentParser
import ChameleonModel
import ChatEngine
import Foundation
import TensorMath
import Sessions

/// `omnichat session-stress` (hidden): chats with itself and autosaves after every message and
/// reply, forever or for `--turns` exchanges, printing `saved N` after each save. The tests
/// kill it with SIGKILL at random moments and then load the session, which must always work.
struct SessionStressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session-stress",
        abstract: "Autosave stress run for the kill -9 tests (sessions go to the standard data directory).",
        shouldDisplay: false)

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .long, help: "Exchanges to run (each a message and its reply).") var turns = 1000
    @Option(name: .long, help: "Seed of the messages and of sampling.") var seed: UInt64 = 0

    func validate() throws {
        guard turns >= 0 else { throw ValidationError("--turns must be ≥ 0") }
    }

    func run() async throws {
        let checkpoint = try ChameleonCheckpoint(directory: modelOptions.directory(), weightFormat: modelOptions.weights,
                                                 mapWeights: !modelOptions.noMmap)
        var options = checkpoint.defaultOptions
        options.seed = seed
        options.maxNewTokens = 40
        let engine = try InferenceEngine(checkpoint: checkpoint, format: try ConversationFormat.load(directory: checkpoint.directory),
                                         options: options)
        // Pictures are drawn by the model's VQGAN, as in the chat; a model without a decoder
        // saves them as codes only.
        let renderer = try? vqganPictureRenderer(directory: checkpoint.directory)
        let writer = SessionWriter(store: .standard(), model: try ModelIdentity(checkpoint: checkpoint), renderer: renderer)
        Self.say("session \(writer.id)")
        let codesPerPicture = checkpoint.config.vqConfig.tokensPerImage
        let codebook = checkpoint.vocabulary.imageTokenIDs.count
        var rng = SeededGenerator(seed: seed)
        for index in 0 ..< turns {
            var segments: [MessageSegment] = [.text("message \(index): draw a red circle")]
            if index % 2 == 1 {
                segments.append(.picture(codes: (0 ..< codesPerPicture).map { _ in Int(rng.next() % UInt64(codebook)) }))
            }
            let message = ChatMessage(role: .user, segments: segments)
            Self.say("saved \(try await writer.save(engine.sessionSnapshot(pending: message)).turns)")
            for try await _ in engine.respond(to: message) {}
            Self.say("saved \(try await writer.save(engine.sessionSnapshot()).turns)")
        }
    }

    /// One line on standard output, written at once (unbuffered), so a reader that sees it
    /// knows the save before it completed.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
