import ArgumentParser
import Foundation
import TensorMath

/// Where the model comes from: `--model DIR`, else `$OMNICHAT_MODEL`, else the built-in model
/// shipped in the repository this binary was built from.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Model directory (config.json, model.safetensors, tokenizer.json).", valueName: "DIR"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp(
        "How weights are held in memory, converted on load: f32, bf16, q8 (8-bit blocks) or q4 (4-bit blocks). "
            + "Default: as the checkpoint stores them (bf16 stays bf16, anything else f32).",
        valueName: "FORMAT"))
    var weights: WeightFormat?

    @Flag(name: .customLong("no-mmap"), help: ArgumentHelp(
        "Copy bf16 weights into memory instead of using them in place from the memory-mapped file."))
    var noMmap = false

    /// The directory to load.
    func directory() throws -> URL {
        if let model { return URL(fileURLWithPath: (model as NSString).expandingTildeInPath) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["OMNICHAT_MODEL"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: (fromEnvironment as NSString).expandingTildeInPath)
        }
        if let builtIn = BuiltInModel.directory { return builtIn }
        throw CLIError("no model: pass --model DIR (the built-in model was not found at \(BuiltInModel.expectedPath))")
    }
}

extension WeightFormat: ExpressibleByArgument {}

/// The model that ships in the repository under `models/builtin`.
///
/// The path is found from this source file's location at compile time, so both `swift run` in
/// the repository and the built binary started from any directory find it.
enum BuiltInModel {
    static let expectedPath: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/omnichat/ModelLocation.swift
        return url.appendingPathComponent("models/builtin").path
    }()

    static var directory: URL? {
        FileManager.default.fileExists(atPath: expectedPath + "/config.json") ? URL(fileURLWithPath: expectedPath) : nil
    }
}

/// A one-line error for the user.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Parses "0 17 42" or "0,17,42" into token ids, each checked against the vocabulary size.
func parseTokenIDs(_ text: String, vocabularySize: Int, option: String = "--ids") throws -> [Int] {
    let parts = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" })
    var ids: [Int] = []
    for part in parts {
        guard let id = Int(part) else { throw CLIError("\(option): \"\(part)\" is not a token id") }
        guard id >= 0 && id < vocabularySize else {
            throw CLIError("\(option): token id \(id) is outside the vocabulary (0..<\(vocabularySize))")
        }
        ids.append(id)
    }
    return ids
}
