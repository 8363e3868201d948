import Foundation

/// The tensors of a checkpoint, whether stored in one `model.safetensors` or in shards listed by a
/// Hugging Face `model.safetensors.index.json`, behind one read-only lookup by name.
///
/// Opening validates every file (see ``SafeTensorsFile``) and the index against the shards: each
/// shard exists, each tensor the index names is in its shard, no shard holds a tensor the index
/// does not list, and no tensor is stored twice.
///
/// ```swift
/// let checkpoint = try SafeTensorsCheckpoint(at: URL(fileURLWithPath: "models/chameleon-7b"))
/// let embedding = try checkpoint.floats("model.embed_tokens.weight")
/// ```
public final class SafeTensorsCheckpoint: Sendable {
    /// The single-file name Hugging Face checkpoints use.
    public static let singleFileName = "model.safetensors"
    /// The index name of a sharded Hugging Face checkpoint.
    public static let indexFileName = "model.safetensors.index.json"

    /// The opened files: the single file, or the shards sorted by name.
    public let files: [SafeTensorsFile]
    /// The index that listed the shards, or nil for a single file.
    public let indexURL: URL?
    /// Every tensor name: file by file, in the order the bytes appear.
    public let tensorNames: [String]

    private let fileIndexByTensor: [String: Int]

    /// Opens a checkpoint from a directory (preferring `model.safetensors`, as `transformers`
    /// does, then `model.safetensors.index.json`), from an index `.json` file, or from a single
    /// `.safetensors` file.
    ///
    /// - Throws: ``SafeTensorsError`` naming the file (or directory) at fault.
    public init(at url: URL) throws(SafeTensorsError) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let files: [SafeTensorsFile]
        if exists && isDirectory.boolValue {
            let single = url.appendingPathComponent(Self.singleFileName)
            let index = url.appendingPathComponent(Self.indexFileName)
            if FileManager.default.fileExists(atPath: single.path) {
                files = [try SafeTensorsFile(contentsOf: single)]
                indexURL = nil
            } else if FileManager.default.fileExists(atPath: index.path) {
                files = try Self.openShards(index: index)
                indexURL = index
            } else {
                throw .noCheckpoint(directory: url.path)
            }
        } else if url.pathExtension == "json" {
            files = try Self.openShards(index: url)
            indexURL = url
        } else {
            files = [try SafeTensorsFile(contentsOf: url)]
            indexURL = nil
        }

        var names: [String] = []
        var owners: [String: Int] = [:]
        for (position, file) in files.enumerated() {
            for name in file.tensorNames {
                // openShards has already ruled out a name in two shards.
                owners[name] = position
                names.append(name)
            }
        }
        self.files = files
        self.tensorNames = names
        self.fileIndexByTensor = owners
    }

    // MARK: - Lookup

    /// The file that stores `name`, or nil.
    public func file(containing name: String) -> SafeTensorsFile? {
        fileIndexByTensor[name].map { files[$0] }
    }

    /// The header entry for `name` in whichever file holds it, or nil.
    public func info(_ name: String) -> TensorInfo? { file(containing: name)?.info(name) }

    /// The shape of `name`, or nil.
    public func shape(of name: String) -> [Int]? { info(name)?.shape }

    /// Converts the tensor into `destination`; see ``SafeTensorsFile/copyFloats(_:into:)``.
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws(SafeTensorsError) {
        try requireFile(containing: name).copyFloats(name, into: destination)
    }

    /// The tensor converted to Float; see ``SafeTensorsFile/floats(_:)``.
    public func floats(_ name: String) throws(SafeTensorsError) -> [Float] {
        try requireFile(containing: name).floats(name)
    }

    /// The tensor converted to Int64; see ``SafeTensorsFile/integers(_:)``.
    public func integers(_ name: String) throws(SafeTensorsError) -> [Int64] {
        try requireFile(containing: name).integers(name)
    }

    /// The tensor's mapped bytes; see ``SafeTensorsFile/withRawBytes(_:_:)``.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try requireFile(containing: name).withRawBytes(name, body)
    }

    /// The metadata of every file merged (the first file wins a key two files set differently).
    public var metadata: [String: String] {
        files.reduce(into: [:]) { merged, file in merged.merge(file.metadata) { first, _ in first } }
    }

    private func requireFile(containing name: String) throws(SafeTensorsError) -> SafeTensorsFile {
        guard let file = file(containing: name) else {
            throw .tensorNotFound(file: (indexURL ?? files.first?.url)?.path ?? "checkpoint", tensor: name)
        }
        return file
    }

    // MARK: - Sharded checkpoints

    /// Reads the index, opens every shard it names and checks the two against each other.
    private static func openShards(index: URL) throws(SafeTensorsError) -> [SafeTensorsFile] {
        let weightMap = try ShardIndex.read(index)
        let directory = index.deletingLastPathComponent()
        let indexName = index.lastPathComponent

        var shardByTensor: [String: String] = [:]
        for (tensor, shard) in weightMap { shardByTensor[tensor] = shard }

        var files: [SafeTensorsFile] = []
        for shard in Set(weightMap.map(\.shard)).sorted() {
            let shardURL = directory.appendingPathComponent(shard)
            guard FileManager.default.fileExists(atPath: shardURL.path) else {
                throw .shardNotFound(index: index.path, shard: shard)
            }
            files.append(try SafeTensorsFile(contentsOf: shardURL))
        }
        let fileByShard = Dictionary(uniqueKeysWithValues: files.map { ($0.url.lastPathComponent, $0) })

        for (tensor, shard) in weightMap {
            guard let file = fileByShard[shard], file.info(tensor) != nil else {
                throw .tensorMissingFromShard(shard: directory.appendingPathComponent(shard).path,
                                              tensor: tensor, index: indexName)
            }
        }
        for file in files {
            for tensor in file.tensorNames {
                guard let listedShard = shardByTensor[tensor] else {
                    throw .tensorNotInIndex(shard: file.path, tensor: tensor, index: indexName)
                }
                if listedShard != file.url.lastPathComponent {
                    throw .tensorInTwoShards(tensor: tensor, first: directory.appendingPathComponent(listedShard).path,
                                             second: file.path)
                }
            }
        }
        return files
    }
}
