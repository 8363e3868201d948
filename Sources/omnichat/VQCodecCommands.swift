import ArgumentParser
import BPETokenizer
import ChameleonModel
import Foundation
import Imaging
import NumPyFormat
import PNGCodec
import VQGAN

/// `omnichat vq encode`: a PNG becomes the model's VQ codes.
///
/// The picture is prepared as the reference engine prepares it: transparency over white, short
/// side scaled to the model's resolution with Lanczos, centre crop. Without `--json` the codes are
/// printed on one line, ready for `vq decode --codes`.
struct VQEncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode", abstract: "Print the VQ codes of a PNG picture (raster order).")

    @OptionGroup var modelOptions: ModelOptions
    @Argument(help: ArgumentHelp("The PNG picture to encode.", valueName: "IMAGE.png")) var image: String
    @Flag(name: .long, help: "Print {\"codes\": [...], \"token_ids\": [...]} (VQ indices and vocabulary ids).") var json = false

    func run() throws {
        let directory = try modelOptions.directory()
        let vqgan = try loadVQGAN(directory: directory)
        guard vqgan.canEncode else { throw VQGANError.noEncoder(path: directory.path) }
        let side = vqgan.resolution
        let picture = try PNGReader.read(path: image).flattened()
            .resizedAndCenterCropped(shortestSide: side, cropWidth: side, cropHeight: side)
        let codes = try vqgan.encode(picture)
        guard json else {
            print(codes.map(String.init).joined(separator: " "))
            return
        }
        let vocabulary = try loadVocabulary(directory: directory)
        try printJSON(EncodedPicture(codes: codes, token_ids: codes.map { vocabulary.imageTokenIDs[$0] }))
    }

    struct EncodedPicture: Encodable {
        let codes: [Int]
        let token_ids: [Int]
    }
}

/// `omnichat vq decode`: codes become a PNG picture.
struct VQDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode a full grid of VQ codes into a PNG picture.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .long, help: ArgumentHelp("The codes in raster order, separated by spaces or commas.", valueName: "CODES"))
    var codes: String
    @Option(name: .long, help: ArgumentHelp("The PNG file to write.", valueName: "OUT.png")) var out: String
    @Option(name: .long, help: ArgumentHelp("Also write the decoder's float32 output, shape (3, H, W), before 8-bit conversion.", valueName: "F.npy"))
    var dumpPixels: String?

    func run() throws {
        let directory = try modelOptions.directory()
        let vqgan = try loadVQGAN(directory: directory)
        guard vqgan.canDecode else { throw VQGANError.noDecoder(path: directory.path) }
        let grid = try parseCodes(codes, count: vqgan.codesPerPicture, codebookSize: vqgan.codebookSize)
        let output = try vqgan.decode(codes: grid)
        if let dumpPixels {
            try NPYArray(shape: [output.channels, output.height, output.width], values: output.values)
                .write(to: URL(fileURLWithPath: dumpPixels))
        }
        let picture = RGBImage(normalizedCHW: output.values, width: output.width, height: output.height)
        try PNGWriter.write(picture, to: out, text: [(key: "model", value: directory.lastPathComponent)])
    }
}

/// Parses a whole grid of codes, "12 7 ..." or "12,7,...", each checked against the codebook.
func parseCodes(_ text: String, count: Int, codebookSize: Int) throws -> [Int] {
    let parts = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" })
    var codes: [Int] = []
    for part in parts {
        guard let code = Int(part) else { throw CLIError("--codes: \"\(part)\" is not a code") }
        guard code >= 0 && code < codebookSize else {
            throw CLIError("--codes: code \(code) is outside the codebook (0..<\(codebookSize))")
        }
        codes.append(code)
    }
    guard codes.count == count else {
        throw CLIError("--codes: \(codes.count) codes given, the model's picture holds \(count)")
    }
    return codes
}

/// The vocabulary of a model directory (config.json and tokenizer.json), without the weights.
func loadVocabulary(directory: URL) throws -> ChameleonVocabulary {
    let config = try ChameleonConfig.load(from: directory.appendingPathComponent("config.json"))
    let url = directory.appendingPathComponent("tokenizer.json")
    guard FileManager.default.fileExists(atPath: url.path) else { throw CheckpointError.missingFile(path: url.path) }
    let tokenizer = try Tokenizer(contentsOf: url)
    return try ChameleonVocabulary(size: config.vocabSize, name: { tokenizer.token(forID: $0) },
                                   codebookSize: config.vqConfig.numEmbeddings, path: url.path)
}
