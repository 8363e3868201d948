import ChameleonModel
import Foundation
import Imaging
import NumPyFormat
import PNGCodec
import Testing

/// `omnichat vq encode` and `vq decode` run as scripts run them: the built binary, exact flags,
/// JSON shape, files written, one-line errors.
@Suite struct VQCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    /// VQGAN with attention inside levels, 32-pixel pictures, 8×8 codes, and PNG cases.
    static let vqModel = fixtures.appendingPathComponent("vqgan/level_attention")
    /// A whole model (tokenizer included) whose VQGAN has an encoder but no decoder.
    static let encoderOnlyModel = fixtures.appendingPathComponent("engine/gqa_bias")

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            .map { $0.appendingPathComponent("omnichat") }
        let binary = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) })
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = [:]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    struct Reference: Decodable {
        struct PNGEncode: Decodable { let png: String; let codes: [Int] }
        struct Decode: Decodable { let codes: [Int]; let pixels: String; let rgb: String; let grid_width: Int }
        let png_encodes: [PNGEncode]
        let decodes: [Decode]
        let grid: Int
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: vqModel.appendingPathComponent("reference.json")))
    }

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vq-\(UUID().uuidString)-\(name)").path
    }

    @Test func encodePreparesThePictureAsTheReferenceAndPrintsItsCodes() throws {
        // Pictures of other sizes (RGB 64×64, RGBA 48×80 with transparency, RGB 100×37); codes
        // from transformers after Meta's preprocessing (alpha over white, Lanczos, centre crop).
        for case_ in try Self.reference().png_encodes {
            let result = try Self.run(["vq", "encode", "--model", Self.vqModel.path, Self.vqModel.appendingPathComponent(case_.png).path])
            #expect(result.status == 0, "\(result.stderr)")
            let codes = result.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
            let same = zip(codes, case_.codes).filter { $0 == $1 }.count
            #expect(codes.count == case_.codes.count && same * 100 >= 99 * codes.count, "\(case_.png): \(same) of \(case_.codes.count)")
        }
    }

    @Test func encodeJSONGivesCodesAndTheirVocabularyIDs() throws {
        let png = Self.fixtures.appendingPathComponent("png/good/pillow_rgba.png").path
        let model = Self.encoderOnlyModel.path
        let plain = try Self.run(["vq", "encode", "--model", model, png])
        let json = try Self.run(["vq", "encode", "--model", model, png, "--json"])
        #expect(plain.status == 0 && json.status == 0, "\(plain.stderr)\(json.stderr)")
        struct Output: Decodable { let codes: [Int]; let token_ids: [Int] }
        let output = try JSONDecoder().decode(Output.self, from: Data(json.stdout.utf8))
        #expect(output.codes == plain.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int($0) })
        let checkpoint = try ChameleonCheckpoint(directory: Self.encoderOnlyModel)
        #expect(output.codes.count == checkpoint.config.vqConfig.tokensPerImage)
        #expect(output.token_ids == output.codes.map { checkpoint.vocabulary.imageTokenIDs[$0] })
        #expect(output.token_ids.allSatisfy { checkpoint.vocabulary.codeForToken[$0] >= 0 })
    }

    @Test func decodeWritesThePictureAndTheFloatOutput() throws {
        let decode = try Self.reference().decodes[0]
        let png = Self.temporary("out.png"), npy = Self.temporary("pixels.npy")
        let result = try Self.run(["vq", "decode", "--model", Self.vqModel.path, "--codes", decode.codes.map(String.init).joined(separator: " "),
                                   "--out", png, "--dump-pixels", npy])
        #expect(result.status == 0, "\(result.stderr)")
        let pixels = try NPYArray(contentsOf: URL(fileURLWithPath: npy))
        let expected = try NPYArray(contentsOf: Self.vqModel.appendingPathComponent(decode.pixels))
        #expect(pixels.shape == [3, 32, 32] && pixels.shape == expected.shape)
        let mse = zip(pixels.values, expected.values).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(expected.values.count)
        #expect(10 * log10(4 / max(mse, 1e-30)) >= 60)
        let picture = try PNGReader.read(path: png).flattened()
        #expect(picture == RGBImage(normalizedCHW: pixels.values, width: 32, height: 32))
    }

    @Test func badInputGetsOneLineAndAFailure() throws {
        let model = Self.vqModel.path
        let outside = try Self.run(["vq", "decode", "--model", model, "--codes", "1 2 300", "--out", Self.temporary("x.png")])
        #expect(outside.status != 0 && outside.stderr.contains("code 300 is outside the codebook (0..<256)"))
        let short = try Self.run(["vq", "decode", "--model", model, "--codes", "1,2,3", "--out", Self.temporary("x.png")])
        #expect(short.status != 0 && short.stderr.contains("3 codes given, the model's picture holds 64"))
        let word = try Self.run(["vq", "decode", "--model", model, "--codes", "1 two", "--out", Self.temporary("x.png")])
        #expect(word.status != 0 && word.stderr.contains("\"two\" is not a code"))

        let codes = [String](repeating: "5", count: 16).joined(separator: " ")
        let noDecoder = try Self.run(["vq", "decode", "--model", Self.encoderOnlyModel.path, "--codes", codes, "--out", Self.temporary("x.png")])
        #expect(noDecoder.status != 0 && noDecoder.stderr.contains("has no VQ decoder"))

        let notPNG = try Self.run(["vq", "encode", "--model", model, Self.vqModel.appendingPathComponent("reference.json").path])
        #expect(notPNG.status != 0 && !notPNG.stderr.isEmpty)
        let missing = try Self.run(["vq", "encode", "--model", model, "/nonexistent/picture.png"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/picture.png"))
        let noTokenizer = try Self.run(["vq", "encode", "--model", model, Self.vqModel.appendingPathComponent("picture_0.png").path, "--json"])
        #expect(noTokenizer.status != 0 && noTokenizer.stderr.contains("tokenizer.json"))
        for result in [outside, short, word, noDecoder, notPNG, missing, noTokenizer] {
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }
}
