import Foundation
import ModelConfiguration
import SafeTensors
import Testing
@testable import VQGAN

/// Checkpoints that do not fit their configuration fail at load time with an error naming the
/// tensor; a checkpoint with only one half of the VQGAN loads and runs that half.
@Suite struct LoadingTests {
    let name = "plain"

    func load(_ checkpoint: SafeTensorsCheckpoint, config: VQGANConfig? = nil) throws -> VQGAN {
        try VQGAN(checkpoint: checkpoint, config: config ?? VQGANFixtures.config(name), path: "fixture")
    }

    func loadingError(_ checkpoint: SafeTensorsCheckpoint, config: VQGANConfig? = nil) throws -> VQGANError? {
        do {
            _ = try load(checkpoint, config: config)
            return nil
        } catch let error as VQGANError {
            return error
        }
    }

    @Test func missingTensorIsNamed() throws {
        let missing = "model.vqmodel.decoder.up.0.block.1.conv2.bias"
        let error = try loadingError(VQGANFixtures.variant(of: name, dropping: { $0 == missing }))
        #expect(error == .missingTensor(path: "fixture", name: missing))
        #expect(error?.description == "fixture: missing tensor \(missing)")
    }

    @Test func misshapenTensorIsNamedWithBothShapes() throws {
        let tensor = "model.vqmodel.encoder.conv_in.weight"
        let error = try loadingError(VQGANFixtures.variant(
            of: name, replacing: [tensor: ([32, 3, 1, 1], [Float](repeating: 0, count: 96))]))
        #expect(error == .wrongShape(path: "fixture", name: tensor, expected: [32, 3, 3, 3], found: [32, 3, 1, 1]))
    }

    @Test func tensorOutsideTheArchitectureIsNamed() throws {
        // Attention inside level 0, which this configuration does not have.
        let extra = "model.vqmodel.encoder.down.0.attn.0.q.weight"
        let error = try loadingError(VQGANFixtures.variant(
            of: name, replacing: [extra: ([64, 64, 1, 1], [Float](repeating: 0, count: 4096))]))
        #expect(error == .unexpectedTensor(path: "fixture", name: extra))
    }

    @Test func tensorsOfOtherPartsAreIgnored() throws {
        // Converted Meta checkpoints may carry the training loss's weights.
        let model = try load(VQGANFixtures.variant(
            of: name, replacing: ["model.vqmodel.loss.discriminator.weight": ([2], [1, 2])]))
        #expect(model.canEncode && model.canDecode)
    }

    @Test(arguments: [true, false])
    func encoderOnlyCheckpointEncodesAndRefusesToDecode(keepingPostQuantConv: Bool) throws {
        // transformers' ChameleonVQVAE (and so the hub's checkpoints) has post_quant_conv but no decoder.
        let model = try load(VQGANFixtures.variant(of: name, dropping: {
            $0.hasPrefix("model.vqmodel.decoder.") || (!keepingPostQuantConv && $0.hasPrefix("model.vqmodel.post_quant_conv."))
        }))
        #expect(model.canEncode && !model.canDecode)
        let reference = try VQGANFixtures.reference(name)
        let picture = try VQGANFixtures.picture(name, 0, reference: reference)
        #expect(try model.encode(picture) == reference.codes[0])
        #expect(throws: VQGANError.noDecoder(path: "fixture")) { try model.decode(codes: reference.codes[0]) }
    }

    @Test func decoderOnlyCheckpointDecodesAndRefusesToEncode() throws {
        let model = try load(VQGANFixtures.variant(of: name, dropping: {
            $0.hasPrefix("model.vqmodel.encoder.") || $0.hasPrefix("model.vqmodel.quant_conv.")
        }))
        #expect(!model.canEncode && model.canDecode)
        #expect(try model.decode(codes: [Int](repeating: 3, count: model.codesPerPicture)).values.count == 3 * 16 * 16)
        #expect(throws: VQGANError.noEncoder(path: "fixture")) {
            try model.encode(planar: [Float](repeating: 0, count: 3 * 16 * 16))
        }
    }

    @Test func checkpointWithoutImageTokenizerIsRefused() throws {
        let error = try loadingError(VQGANFixtures.variant(
            of: name, dropping: { _ in true }, replacing: ["model.norm.weight": ([2], [1, 1])]))
        #expect(error == .noImageCodec(path: "fixture"))
    }

    @Test func halfWithoutTheCodebookIsRefused() throws {
        let error = try loadingError(VQGANFixtures.variant(of: name, dropping: { $0.hasPrefix("model.vqmodel.quantize.") }))
        #expect(error == .missingTensor(path: "fixture", name: "model.vqmodel.quantize.embedding.weight"))
    }

    @Test func configurationsTheReferenceCannotRunAreRefused() throws {
        let checkpoint = try SafeTensorsCheckpoint(at: VQGANFixtures.directory(name))
        var narrow = try VQGANFixtures.config(name)
        narrow.baseChannels = 16
        if case .unsupportedConfig(_, let reason)? = try loadingError(checkpoint, config: narrow) {
            #expect(reason.contains("16 × multiplier 1 = 16 channels, not a multiple of GroupNorm's 32 groups"))
        } else {
            Issue.record("a 16-channel GroupNorm was accepted")
        }

        var doubled = try VQGANFixtures.config(name)
        doubled.doubleLatent = true
        #expect(try loadingError(checkpoint, config: doubled) == .unsupportedConfig(path: "fixture", reason: "double_latent is true"))

        // No residual blocks, so nothing can widen the channels from level 1 to level 2.
        var inconsistent = try VQGANFixtures.config(name)
        inconsistent.numResBlocks = 0
        inconsistent.channelMultiplier = [1, 1, 2, 4]
        inconsistent.resolution = 64
        if case .unsupportedConfig(_, let reason)? = try loadingError(checkpoint, config: inconsistent) {
            #expect(reason.contains("encoder level 3 expects 64 channels but receives 32"))
        } else {
            Issue.record("an encoder whose channels cannot flow was accepted")
        }
    }
}
