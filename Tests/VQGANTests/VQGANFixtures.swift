import Foundation
import Imaging
import ModelConfiguration
import NumPyFormat
import SafeTensors
@testable import VQGAN

/// The fixtures `tools/fixtures/make_vqgan_fixtures.py` writes: tiny random-weight VQGANs as
/// Chameleon checkpoint fragments, with codes from transformers' `ChameleonVQVAE` and pictures
/// from the project's PyTorch decoder.
enum VQGANFixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vqgan")

    /// plain: no attention inside levels (float16); level_attention: attention at 16 and 8 pixels
    /// (bfloat16); no_level_blocks: the project's own layout, num_res_blocks 0 (float16).
    static let configurations = ["plain", "level_attention", "no_level_blocks"]

    struct Reference: Decodable {
        struct Decode: Decodable {
            let grid_width: Int
            let grid_height: Int
            let codes: [Int]
            let pixels: String
            let rgb: String
        }
        let resolution: Int
        let grid: Int
        let dtype: String
        let pictures: String
        let picture_count: Int
        let latents: String
        let codes: [[Int]]
        let decodes: [Decode]
    }

    static func directory(_ name: String) -> URL { root.appendingPathComponent(name) }

    static func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: directory(name).appendingPathComponent("reference.json")))
    }

    static func config(_ name: String) throws -> VQGANConfig {
        try ChameleonConfig.load(from: directory(name).appendingPathComponent("config.json")).vqConfig
    }

    /// Loaded models, shared by the tests.
    nonisolated(unsafe) private static var cache: [String: VQGAN] = [:]
    private static let lock = NSLock()

    static func model(_ name: String) throws -> VQGAN {
        lock.lock()
        defer { lock.unlock() }
        if let loaded = cache[name] { return loaded }
        let url = directory(name)
        let loaded = try VQGAN(checkpoint: SafeTensorsCheckpoint(at: url), config: config(name), path: url.path)
        cache[name] = loaded
        return loaded
    }

    static func npy(_ name: String, _ file: String) throws -> NPYArray {
        try NPYArray(contentsOf: directory(name).appendingPathComponent(file))
    }

    static func bytes(_ name: String, _ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory(name).appendingPathComponent(file)))
    }

    /// Picture `index`, at the model's resolution.
    static func picture(_ name: String, _ index: Int, reference: Reference) throws -> RGBImage {
        let all = try bytes(name, reference.pictures)
        let side = reference.resolution, size = side * side * 3
        return RGBImage(width: side, height: side, pixels: Array(all[(index * size)..<((index + 1) * size)]))
    }

    /// Peak signal-to-noise ratio in dB of `actual` against `expected`, with the nominal output
    /// range [−1, 1] as the peak (peak-to-peak 2).
    static func psnr(_ actual: [Float], _ expected: [Float]) -> Double {
        let squared = zip(actual, expected).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        let mse = squared / Double(expected.count)
        return mse == 0 ? .infinity : 10 * log10(4 / mse)
    }

    /// A copy of a fixture checkpoint with some tensors dropped, replaced or added, written as
    /// float32 to a fresh temporary directory.
    static func variant(
        of name: String, dropping drop: (String) -> Bool = { _ in false },
        replacing replacements: [String: (shape: [Int], values: [Float])] = [:]
    ) throws -> SafeTensorsCheckpoint {
        let source = try SafeTensorsCheckpoint(at: directory(name))
        var writer = SafeTensorsWriter()
        for tensor in source.tensorNames where !drop(tensor) && replacements[tensor] == nil {
            try writer.add(tensor, shape: source.shape(of: tensor)!, floats: try source.floats(tensor))
        }
        for (tensor, replacement) in replacements.sorted(by: { $0.key < $1.key }) {
            try writer.add(tensor, shape: replacement.shape, floats: replacement.values)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vqgan-variant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("model.safetensors")
        try writer.write(to: file)
        return try SafeTensorsCheckpoint(at: file)
    }
}
