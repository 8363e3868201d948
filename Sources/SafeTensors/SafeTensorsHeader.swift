// Decoding and validation of the safetensors framing and header, independent of how the bytes
// were obtained (the file maps them; tests may hand them in directly).
//
// Layout (https://github.com/huggingface/safetensors, "Format"):
//   8 bytes     N, little-endian UInt64
//   N bytes     UTF-8 JSON object: {"__metadata__": {str: str}?, name: {dtype, shape, data_offsets}...}
//   rest        the data region; every tensor's data_offsets are relative to its start, and the
//               tensors must tile it exactly: no overlap, no hole, nothing after the last one.

/// The validated header of one safetensors file.
struct SafeTensorsHeader: Sendable, Equatable {
    /// Size of the little-endian header-length field that opens every file.
    static let lengthFieldSize = 8
    /// Largest header accepted, the same limit as the reference reader (`MAX_HEADER_SIZE`).
    static let maximumHeaderLength = 100_000_000

    /// The `__metadata__` map, empty when absent.
    let metadata: [String: String]
    /// Every tensor, sorted by position in the data region.
    let tensors: [TensorInfo]

    // MARK: - Framing

    /// Validates a whole file's bytes: framing, header and tiling. Returns the header and the offset
    /// at which the data region starts.
    static func read(fileBytes: UnsafeRawBufferPointer, file: String) throws(SafeTensorsError) -> (SafeTensorsHeader, dataStart: Int) {
        let length = try headerLength(prefix: fileBytes, fileSize: fileBytes.count, file: file)
        let dataStart = lengthFieldSize + length
        let header = try parse(Array(fileBytes[lengthFieldSize..<dataStart]),
                               dataSize: fileBytes.count - dataStart, file: file)
        return (header, dataStart)
    }

    /// Decodes the header length from the first 8 bytes of a file of `fileSize` bytes and checks it
    /// against the file before anything is allocated for it.
    static func headerLength(
        prefix: UnsafeRawBufferPointer, fileSize: Int, file: String
    ) throws(SafeTensorsError) -> Int {
        guard fileSize >= lengthFieldSize, prefix.count >= lengthFieldSize else {
            throw .fileTooShort(file: file, size: fileSize)
        }
        var length: UInt64 = 0
        for index in (0..<lengthFieldSize).reversed() {
            length = length << 8 | UInt64(prefix[index])
        }
        guard length > 0 else { throw .emptyHeader(file: file) }
        guard length <= UInt64(maximumHeaderLength) else {
            throw .headerTooLarge(file: file, length: length, limit: maximumHeaderLength)
        }
        let available = fileSize - lengthFieldSize
        guard length <= UInt64(available) else {
            throw .headerLengthExceedsFile(file: file, length: length, available: available)
        }
        return Int(length)  // ≤ maximumHeaderLength, so it fits on every platform.
    }

    // MARK: - Header

    /// Parses and validates header bytes for a data region of `dataSize` bytes.
    static func parse(
        _ headerBytes: [UInt8], dataSize: Int, file: String
    ) throws(SafeTensorsError) -> SafeTensorsHeader {
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw .headerNotUTF8(file: file) }
        let root: JSONValue
        do {
            root = try JSONParser.parse(headerBytes)
        } catch {
            throw .headerNotJSON(file: file, offset: error.offset, reason: error.reason)
        }
        guard case let .object(members) = root else { throw .headerNotObject(file: file, found: root.kindName) }

        var metadata: [String: String] = [:]
        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(members.count)
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try parseMetadata(value, file: file)
            } else {
                tensors.append(try parseTensor(named: key, value, dataSize: dataSize, file: file))
            }
        }
        tensors.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) <
                       ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        try checkTiling(tensors, dataSize: dataSize, file: file)
        return SafeTensorsHeader(metadata: metadata, tensors: tensors)
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws(SafeTensorsError) -> [String: String] {
        guard case let .object(members) = value else {
            throw .invalidMetadata(file: file, reason: "is a JSON \(value.kindName), expected an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, entry) in members {
            guard case let .string(text) = entry else {
                throw .invalidMetadata(file: file, reason: "value for '\(key)' is a JSON \(entry.kindName), expected a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    // MARK: - One tensor

    private static func parseTensor(
        named name: String, _ value: JSONValue, dataSize: Int, file: String
    ) throws(SafeTensorsError) -> TensorInfo {
        guard case let .object(fields) = value else {
            throw .invalidField(file: file, tensor: name, field: "entry",
                                reason: "is a JSON \(value.kindName), expected an object")
        }
        func field(_ key: String) throws(SafeTensorsError) -> JSONValue {
            guard let found = fields.first(where: { $0.key == key }) else {
                throw .missingField(file: file, tensor: name, field: key)
            }
            return found.value
        }

        // dtype
        let dtypeValue = try field("dtype")
        guard case let .string(dtypeName) = dtypeValue else {
            throw .invalidField(file: file, tensor: name, field: "dtype",
                                reason: "is a JSON \(dtypeValue.kindName), expected a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw .unsupportedDType(file: file, tensor: name, dtype: dtypeName)
        }

        // shape
        let shapeValue = try field("shape")
        guard case let .array(dimensionValues) = shapeValue else {
            throw .invalidField(file: file, tensor: name, field: "shape",
                                reason: "is a JSON \(shapeValue.kindName), expected an array of integers")
        }
        var dimensions: [UInt64] = []
        for (axis, dimension) in dimensionValues.enumerated() {
            switch dimension.nonNegativeInteger {
            case let .value(size): dimensions.append(size)
            case .negative: throw .negativeDimension(file: file, tensor: name, axis: axis)
            case .notAnInteger:
                throw .invalidField(file: file, tensor: name, field: "shape", reason: "has a non-integer size at axis \(axis)")
            case .tooLarge:
                throw .invalidField(file: file, tensor: name, field: "shape", reason: "has a size beyond 64 bits at axis \(axis)")
            }
        }

        // data_offsets
        let offsetsValue = try field("data_offsets")
        guard case let .array(offsetValues) = offsetsValue, offsetValues.count == 2,
              case let .value(begin) = offsetValues[0].nonNegativeInteger,
              case let .value(end) = offsetValues[1].nonNegativeInteger
        else {
            throw .invalidField(file: file, tensor: name, field: "data_offsets",
                                reason: "is not a pair of non-negative integers")
        }

        // Sizes, with every multiplication checked.
        var elementCount = 1
        var shape: [Int] = []
        shape.reserveCapacity(dimensions.count)
        for size in dimensions {
            guard size <= UInt64(Int.max) else { throw .sizeOverflow(file: file, tensor: name, shape: dimensions) }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: Int(size))
            guard !overflow else { throw .sizeOverflow(file: file, tensor: name, shape: dimensions) }
            elementCount = product
            shape.append(Int(size))
        }
        let (expectedBytes, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw .sizeOverflow(file: file, tensor: name, shape: dimensions) }

        // Placement.
        guard begin <= end else { throw .reversedOffsets(file: file, tensor: name, begin: begin, end: end) }
        guard end <= UInt64(dataSize) else {
            throw .offsetsOutOfBounds(file: file, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let byteRange = Int(begin)..<Int(end)  // both ≤ dataSize, so they fit.
        guard byteRange.count == expectedBytes else {
            throw .byteLengthMismatch(file: file, tensor: name, expected: expectedBytes, actual: byteRange.count)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: byteRange)
    }

    // MARK: - The data region as a whole

    /// Checks that `tensors` (sorted by offset) tile `0..<dataSize` exactly.
    private static func checkTiling(_ tensors: [TensorInfo], dataSize: Int, file: String) throws(SafeTensorsError) {
        var covered = 0
        var previous: String?
        for tensor in tensors {
            let range = tensor.byteRange
            if range.lowerBound < covered {
                throw .overlappingTensors(file: file, first: previous ?? "", second: tensor.name)
            }
            if range.lowerBound > covered {
                throw .gapInData(file: file, before: previous, after: tensor.name,
                                 gapStart: covered, gapEnd: range.lowerBound)
            }
            covered = range.upperBound
            previous = tensor.name
        }
        guard covered == dataSize else { throw .trailingData(file: file, coveredBytes: covered, dataSize: dataSize) }
    }
}
