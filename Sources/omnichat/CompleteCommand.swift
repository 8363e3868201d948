import ArgumentParser
import ChameleonModel
import ChatUI
import Foundation
import TensorMath
import NumPyFormat

/// `omnichat complete`: the raw continuation of exact token ids, with no chat formatting.
struct CompleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete",
        abstract: "Continue a sequence of token ids (no chat formatting).",
        discussion: """
            --mode interleaved (default) runs the modality state machine: text, and pictures of \
            exactly the VQ grid's number of codes with guidance. --mode text masks image codes and \
            the begin/end image tokens; --mode free masks nothing.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .long, help: ArgumentHelp("Prompt token ids, separated by spaces or commas.", valueName: "IDS"))
    var ids: String
    @Option(name: .long, help: "Most tokens to generate (a picture once begun is finished).")
    var maxTokens: Int = 256
    @OptionGroup var sampling: SamplingOptions
    @Option(name: .long, help: "interleaved, text or free.")
    var mode: GenerationMode = .interleaved
    @Flag(name: .long, help: "Print {\"token_ids\": [...], \"text\": \"...\"}.")
    var json = false
    @Option(name: .long, help: ArgumentHelp("Write the raw logits at every prompt position as float32 .npy (prompt length × vocabulary).", valueName: "F.npy"))
    var dumpLogits: String?

    func validate() throws {
        if maxTokens < 0 { throw ValidationError("--max-tokens must be ≥ 0") }
    }

    func run() throws {
        let checkpoint = try ChameleonCheckpoint(directory: modelOptions.directory(), weightFormat: modelOptions.weights,
                                                 mapWeights: !modelOptions.noMmap)
        let prompt = try parseTokenIDs(ids, vocabularySize: checkpoint.config.vocabSize)
        guard !prompt.isEmpty else { throw CLIError("--ids: no token ids given") }
        guard prompt.count < checkpoint.model.contextLength else {
            throw CLIError("--ids: \(prompt.count) tokens do not fit the context of \(checkpoint.model.contextLength)")
        }
        var options = checkpoint.defaultOptions
        options.mode = mode
        options.maxNewTokens = maxTokens
        sampling.apply(to: &options)

        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(prompt)
        if let dumpLogits {
            let logits = generator.prefillCollectingLogits()
            try NPYArray(shape: [prompt.count, checkpoint.config.vocabSize], values: logits)
                .write(to: URL(fileURLWithPath: dumpLogits))
        }
        var generated: [Int] = []
        while let token = generator.next() { generated.append(token.id) }

        let text = checkpoint.tokenizer.decode(generated)
        if json {
            struct Output: Encodable { let token_ids: [Int]; let text: String }
            try printJSON(Output(token_ids: generated, text: text))
        } else {
            TerminalText.print(text)
        }
    }
}
