import Foundation

/// Reads the `weight_map` of a Hugging Face `model.safetensors.index.json`:
///
/// ```json
/// {"metadata": {"total_size": 28}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors", ...}}
/// ```
///
/// `metadata` and any other top-level keys are ignored (`transformers` reads only `weight_map`).
enum ShardIndex {
    /// Largest index accepted; real ones are tens of kilobytes.
    static let maximumSize = 100_000_000

    /// The (tensor, shard file name) pairs in file order. Shard names are plain file names in the
    /// index's directory: a name with a path separator, or "." / "..", is refused.
    static func read(_ url: URL) throws(SafeTensorsError) -> [(tensor: String, shard: String)] {
        let path = url.path
        let mapping = try MappedFile(path: path)
        guard mapping.bytes.count <= maximumSize else {
            throw .invalidIndex(file: path, reason: "index is \(mapping.bytes.count) bytes, over the \(maximumSize)-byte limit")
        }
        let bytes = Array(mapping.bytes)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw .invalidIndex(file: path, reason: "index is not valid UTF-8")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw .invalidIndex(file: path, reason: "index is not valid JSON at byte \(error.offset): \(error.reason)")
        }
        guard case let .object(members) = root else {
            throw .invalidIndex(file: path, reason: "index is a JSON \(root.kindName), expected an object")
        }
        guard let weightMap = members.first(where: { $0.key == "weight_map" })?.value else {
            throw .invalidIndex(file: path, reason: "index has no weight_map")
        }
        guard case let .object(entries) = weightMap else {
            throw .invalidIndex(file: path, reason: "weight_map is a JSON \(weightMap.kindName), expected an object")
        }
        var pairs: [(tensor: String, shard: String)] = []
        for (tensor, value) in entries {
            guard case let .string(shard) = value else {
                throw .invalidIndex(file: path, reason: "weight_map entry '\(tensor)' is a JSON \(value.kindName), expected a file name")
            }
            guard isPlainFileName(shard) else {
                throw .invalidIndex(file: path, reason: "weight_map entry '\(tensor)' names '\(shard)', not a file in the index's directory")
            }
            pairs.append((tensor, shard))
        }
        return pairs
    }

    private static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }
}
