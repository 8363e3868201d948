import ChameleonModel
import ChatEngine
import Foundation
import VQGAN

/// One whole picture as the chat makes it: the request's prompt, every code sampled with
/// classifier-free guidance (three rows per step, the reference scales), and the VQGAN decode
/// when the checkpoint has a decoder (the hub's Chameleon checkpoints, and transformers' own,
/// carry only the encoder: their pictures are timed up to the codes).
struct PictureBench {
    /// The request every measurement draws.
    static let request = "draw a small red circle at the top left on a blue background"

    let checkpoint: ChameleonCheckpoint
    /// The image tokenizer, or nil; the decode is timed only when it can decode.
    let vqgan: VQGAN?
    /// The request as the chat sends it, ending in begin-image (built once, outside the timing).
    let prompt: [Int]

    init(checkpoint: ChameleonCheckpoint, vqgan: VQGAN?) throws {
        self.checkpoint = checkpoint
        self.vqgan = vqgan
        let format = try ConversationFormat.load(directory: checkpoint.directory)
        let builder = try PromptBuilder(tokenizer: checkpoint.tokenizer, format: format, vocabulary: checkpoint.vocabulary)
        prompt = builder.beginning() + builder.ids(for: ChatMessage.user(Self.request)) + builder.replyOpening()
            + [checkpoint.vocabulary.beginImage]
    }

    /// Codes in one picture (the VQ grid).
    var codesPerPicture: Int { checkpoint.config.vqConfig.tokensPerImage }
    /// Whether the measurement includes the VQGAN decode.
    var decodes: Bool { vqgan?.canDecode ?? false }

    /// One picture's time and the forward passes it took.
    struct Measurement {
        var seconds: Double
        var modelSteps: Int
    }

    /// One picture with the given seed; with `jacobiWindow` > 0 its codes are drawn by
    /// speculative Jacobi decoding with that window.
    func measureOne(seed: UInt64, jacobiWindow: Int) throws -> Measurement {
        var options = checkpoint.defaultOptions
        options.maxNewTokens = codesPerPicture + 1
        // The figure is defined with guidance (three rows per code); a model whose own defaults
        // draw without it (the built-in model) is measured with the reference scales.
        if !options.usesGuidance {
            options.guidanceText = 3.0
            options.guidanceImage = 1.2
        }
        options.jacobiWindow = jacobiWindow
        options.seed = seed
        let start = DispatchTime.now().uptimeNanoseconds
        let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary, options: options)
        generator.append(prompt)
        var codes: [Int] = []
        while let token = generator.next() {
            if checkpoint.vocabulary.isImageToken(token.id) {
                codes.append(Int(checkpoint.vocabulary.codeForToken[token.id]))
            } else {
                break  // the forced end-image
            }
        }
        guard codes.count == codesPerPicture else {
            throw CLIError("the picture stopped after \(codes.count) of \(codesPerPicture) codes")
        }
        if let vqgan, vqgan.canDecode { _ = try vqgan.decodePicture(codes: codes) }
        return Measurement(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                           modelSteps: generator.forwardPasses)
    }
}
