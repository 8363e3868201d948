import BPETokenizer
import Foundation
import SafeTensors
import TensorMath

/// A Chameleon-format model directory, loaded and checked: `config.json`, `model.safetensors`
/// (or shards with `model.safetensors.index.json`) and `tokenizer.json`.
///
///     let checkpoint = try ChameleonCheckpoint(directory: URL(fileURLWithPath: "models/builtin"))
///     let generator = Generator(model: checkpoint.model, vocabulary: checkpoint.vocabulary)
public struct ChameleonCheckpoint: Sendable {
    public let directory: URL
    public let config: ChameleonConfig
    public let tokenizer: Tokenizer
    public let vocabulary: ChameleonVocabulary
    public let model: ChameleonTransformer
    /// The checkpoint's tensors, kept open for the image codec (`model.vqmodel.*`).
    public let tensors: SafeTensorsCheckpoint
    /// The model's own sampling defaults (`generation_config.json`), when it has them.
    public let generationDefaults: GenerationDefaults?

    /// The options to generate with before any flag: the reference defaults with the model's
    /// `generation_config.json` applied.
    public var defaultOptions: GenerationOptions { GenerationOptions(modelDefaults: generationDefaults) }

    /// Loads every part, validating each against the others. Every failure is a typed error
    /// whose description names the file and the problem in one line.
    /// - Parameter weightFormat: how the projections are held in memory (converted on load);
    ///   nil keeps the checkpoint's own precision (see ``storedWeightFormat(of:)``).
    /// - Parameter mapWeights: use BF16-stored projections held as bf16 in place in the file's
    ///   memory mapping (no copy, near-instant load); false copies them into memory, as
    ///   llama.cpp's `--no-mmap` does.
    /// - Parameter loadProgress: told (parts loaded, parts in all) as the weights load
    ///   (``ChameleonWeights/load(from:config:path:format:borrowStored:memoryBytes:progress:)``).
    public init(directory: URL, tokenNames: ChameleonVocabulary.TokenNames = .init(),
                weightFormat: WeightFormat? = nil, mapWeights: Bool = true,
                loadProgress: ((_ loaded: Int, _ total: Int) -> Void)? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError.notADirectory(path: directory.path)
        }
        self.directory = directory
        generationDefaults = try GenerationDefaults.load(directory: directory)
        let configURL = directory.appendingPathComponent("config.json")
        config = try ChameleonConfig.load(from: configURL)

        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw CheckpointError.missingFile(path: tokenizerURL.path)
        }
        tokenizer = try Tokenizer(contentsOf: tokenizerURL)
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw VocabularyError.sizeMismatch(path: tokenizerURL.path, tokenizer: tokenizer.vocabularySize, model: config.vocabSize)
        }
        let tokenizer = tokenizer
        vocabulary = try ChameleonVocabulary(
            size: config.vocabSize, name: { tokenizer.token(forID: $0) },
            codebookSize: config.vqConfig.numEmbeddings, names: tokenNames, path: tokenizerURL.path)

        tensors = try SafeTensorsCheckpoint(at: directory)
        let weights = try ChameleonWeights.load(from: tensors, config: config, path: directory.path,
                                               format: weightFormat ?? Self.storedWeightFormat(of: tensors),
                                               borrowStored: mapWeights, progress: loadProgress)
        model = ChameleonTransformer(config: config, weights: weights)
    }
}

extension ChameleonCheckpoint {
    /// The format that holds a checkpoint's language-model weights without loss and without
    /// waste: bf16 when every tensor outside the image tokenizer is stored as BF16, else f32.
    public static func storedWeightFormat(of tensors: SafeTensorsCheckpoint) -> WeightFormat {
        let languageModel = tensors.tensorNames.filter { !$0.hasPrefix(vqModelPrefix) }
        let allBF16 = !languageModel.isEmpty && languageModel.allSatisfy { tensors.info($0)?.dtype == .bf16 }
        return allBF16 ? .bf16 : .f32
    }
}

extension SafeTensorsCheckpoint: TensorSource {
    /// BF16 tensors are lent straight from the file's read-only mapping, which the returned file
    /// object keeps alive.
    public func storedBFloat16(_ name: String) throws -> (bits: UnsafeRawPointer, owner: AnyObject)? {
        guard let file = file(containing: name), file.info(name)?.dtype == .bf16 else { return nil }
        let bytes = try file.mappedBytes(name)
        guard let base = bytes.baseAddress, Int(bitPattern: base) % 2 == 0 else { return nil }
        return (base, file)
    }
}

/// Why a model directory could not be opened.
public enum CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    case notADirectory(path: String)
    case missingFile(path: String)

    public var description: String {
        switch self {
        case .notADirectory(let path): "\(path): not a model directory (it does not exist or is a file)"
        case .missingFile(let path): "\(path): file not found"
        }
    }
}
