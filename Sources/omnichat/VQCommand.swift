import ArgumentParser
import ChameleonModel
import Foundation
import SafeTensors
import VQGAN

/// `omnichat vq`: the model's VQ image tokenizer on its own.
struct VQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vq",
        abstract: "Turn pictures into VQ codes and codes into pictures with a model's VQGAN.",
        subcommands: [VQEncodeCommand.self, VQDecodeCommand.self, VQBenchCommand.self]
    )
}

/// Loads the VQGAN of a model directory: `config.json`'s `vq_config` and the checkpoint's
/// `model.vqmodel.*` tensors (the language model's weights are not read).
func loadVQGAN(directory: URL) throws -> VQGAN {
    let config = try ChameleonConfig.load(from: directory.appendingPathComponent("config.json"))
    let tensors = try SafeTensorsCheckpoint(at: directory)
    return try VQGAN(checkpoint: tensors, config: config.vqConfig, path: directory.path)
}
