/// Everything that can be wrong with a safetensors file, a checkpoint directory or a writer's input.
///
/// Every case names the file (or directory) it concerns; ``description`` is one line of the form
/// `"<file>: <problem>"`, fit to show a user as is:
///
/// ```swift
/// do { _ = try SafeTensorsFile(contentsOf: url) }
/// catch { print(error) }  // "model.safetensors: tensor 'x' data_offsets [0, 99] exceed the data region (64 bytes)"
/// ```
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    // MARK: - Opening
    /// The file could not be opened, inspected or mapped; `reason` is the system's message.
    case cannotOpen(file: String, reason: String)
    /// The path names a directory or a device, not a regular file.
    case notARegularFile(file: String)

    // MARK: - Header framing
    /// The file ends before the 8-byte header length.
    case fileTooShort(file: String, size: Int)
    /// The header length is zero; even an empty header is `{}`.
    case emptyHeader(file: String)
    /// The header length is beyond any real header (the reference reader's limit is 100 MB).
    case headerTooLarge(file: String, length: UInt64, limit: Int)
    /// The header length runs past the end of the file.
    case headerLengthExceedsFile(file: String, length: UInt64, available: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8(file: String)
    /// The header is not JSON; `offset` is the byte within the header where parsing stopped.
    case headerNotJSON(file: String, offset: Int, reason: String)
    /// The header is JSON but not an object; `found` is what it is ("array", "string", ...).
    case headerNotObject(file: String, found: String)
    /// `__metadata__` is not an object of strings.
    case invalidMetadata(file: String, reason: String)

    // MARK: - Tensor entries
    /// A tensor entry lacks `dtype`, `shape` or `data_offsets` (or is not an object at all).
    case missingField(file: String, tensor: String, field: String)
    /// A field has the wrong JSON type or an unreadable value.
    case invalidField(file: String, tensor: String, field: String, reason: String)
    /// A shape dimension is negative; `axis` counts from 0.
    case negativeDimension(file: String, tensor: String, axis: Int)
    /// The dtype is not one of ``DType``.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// The element or byte count of the shape does not fit in a 64-bit integer.
    case sizeOverflow(file: String, tensor: String, shape: [UInt64])
    /// `data_offsets` has its end before its start.
    case reversedOffsets(file: String, tensor: String, begin: UInt64, end: UInt64)
    /// `data_offsets` reaches past the data region (the bytes after the header).
    case offsetsOutOfBounds(file: String, tensor: String, begin: UInt64, end: UInt64, dataSize: Int)
    /// The byte length given by `data_offsets` disagrees with dtype size × product(shape).
    case byteLengthMismatch(file: String, tensor: String, expected: Int, actual: Int)
    /// Two tensors claim some of the same bytes.
    case overlappingTensors(file: String, first: String, second: String)
    /// Bytes of the data region between two tensors (or before the first) belong to no tensor.
    case gapInData(file: String, before: String?, after: String, gapStart: Int, gapEnd: Int)
    /// The data region continues after the last tensor ends.
    case trailingData(file: String, coveredBytes: Int, dataSize: Int)

    // MARK: - Access
    /// No tensor of that name.
    case tensorNotFound(file: String, tensor: String)
    /// The tensor's dtype cannot be read as the requested element type.
    case wrongDType(file: String, tensor: String, dtype: DType, requested: String)
    /// A destination buffer does not hold exactly the tensor's element count.
    case destinationSizeMismatch(file: String, tensor: String, elementCount: Int, destinationCount: Int)

    // MARK: - Checkpoint directories
    /// The directory holds neither `model.safetensors` nor `model.safetensors.index.json`.
    case noCheckpoint(directory: String)
    /// The index file is not the expected `{"weight_map": {tensor: shard}}` shape.
    case invalidIndex(file: String, reason: String)
    /// A shard the index names does not exist.
    case shardNotFound(index: String, shard: String)
    /// The index places a tensor in a shard that does not contain it.
    case tensorMissingFromShard(shard: String, tensor: String, index: String)
    /// A shard holds a tensor the index does not mention.
    case tensorNotInIndex(shard: String, tensor: String, index: String)
    /// The same tensor name is stored in two shards.
    case tensorInTwoShards(tensor: String, first: String, second: String)

    // MARK: - Writing
    /// The writer was given an entry it cannot store.
    case invalidWriterInput(tensor: String, reason: String)
    /// The output file could not be written.
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            "\(file): cannot open (\(reason))"
        case let .notARegularFile(file):
            "\(file): not a regular file"
        case let .fileTooShort(file, size):
            "\(file): file is \(size) bytes, too short for the 8-byte header length"
        case let .emptyHeader(file):
            "\(file): header length is 0"
        case let .headerTooLarge(file, length, limit):
            "\(file): header length \(length) exceeds the \(limit)-byte limit"
        case let .headerLengthExceedsFile(file, length, available):
            "\(file): header length \(length) exceeds the \(available) bytes after the length field"
        case let .headerNotUTF8(file):
            "\(file): header is not valid UTF-8"
        case let .headerNotJSON(file, offset, reason):
            "\(file): header is not valid JSON at byte \(offset): \(reason)"
        case let .headerNotObject(file, found):
            "\(file): header is a JSON \(found), expected an object"
        case let .invalidMetadata(file, reason):
            "\(file): __metadata__ \(reason)"
        case let .missingField(file, tensor, field):
            "\(file): tensor '\(tensor)' has no \(field)"
        case let .invalidField(file, tensor, field, reason):
            "\(file): tensor '\(tensor)' \(field) \(reason)"
        case let .negativeDimension(file, tensor, axis):
            "\(file): tensor '\(tensor)' shape has a negative size at axis \(axis)"
        case let .unsupportedDType(file, tensor, dtype):
            "\(file): tensor '\(tensor)' has unsupported dtype '\(dtype)'"
        case let .sizeOverflow(file, tensor, shape):
            "\(file): tensor '\(tensor)' shape \(shape) is too large to address"
        case let .reversedOffsets(file, tensor, begin, end):
            "\(file): tensor '\(tensor)' data_offsets [\(begin), \(end)] end before they begin"
        case let .offsetsOutOfBounds(file, tensor, begin, end, dataSize):
            "\(file): tensor '\(tensor)' data_offsets [\(begin), \(end)] exceed the data region (\(dataSize) bytes)"
        case let .byteLengthMismatch(file, tensor, expected, actual):
            "\(file): tensor '\(tensor)' spans \(actual) bytes but its dtype and shape need \(expected)"
        case let .overlappingTensors(file, first, second):
            "\(file): tensors '\(first)' and '\(second)' overlap"
        case let .gapInData(file, before, after, gapStart, gapEnd):
            if let before {
                "\(file): bytes \(gapStart)..<\(gapEnd) between tensors '\(before)' and '\(after)' belong to no tensor"
            } else {
                "\(file): bytes \(gapStart)..<\(gapEnd) before tensor '\(after)' belong to no tensor"
            }
        case let .trailingData(file, coveredBytes, dataSize):
            "\(file): data region is \(dataSize) bytes but tensors cover only \(coveredBytes)"
        case let .tensorNotFound(file, tensor):
            "\(file): no tensor named '\(tensor)'"
        case let .wrongDType(file, tensor, dtype, requested):
            "\(file): tensor '\(tensor)' is \(dtype.rawValue), cannot be read as \(requested)"
        case let .destinationSizeMismatch(file, tensor, elementCount, destinationCount):
            "\(file): tensor '\(tensor)' has \(elementCount) elements, the destination holds \(destinationCount)"
        case let .noCheckpoint(directory):
            "\(directory): neither model.safetensors nor model.safetensors.index.json found"
        case let .invalidIndex(file, reason):
            "\(file): \(reason)"
        case let .shardNotFound(index, shard):
            "\(index): shard '\(shard)' does not exist"
        case let .tensorMissingFromShard(shard, tensor, index):
            "\(shard): tensor '\(tensor)' listed in \(index) is absent"
        case let .tensorNotInIndex(shard, tensor, index):
            "\(shard): tensor '\(tensor)' is not listed in \(index)"
        case let .tensorInTwoShards(tensor, first, second):
            "\(second): tensor '\(tensor)' is also stored in \(first)"
        case let .invalidWriterInput(tensor, reason):
            "safetensors writer: tensor '\(tensor)' \(reason)"
        case let .cannotWrite(file, reason):
            "\(file): cannot write (\(reason))"
        }
    }
}
