import Foundation

/// Builds a safetensors file in memory and writes it out.
///
/// Tensors are stored in the order they are added, back to back; the header lists `__metadata__`
/// first and is padded with spaces to a multiple of 8 bytes (as the reference writer does), so the
/// data region starts 8-byte aligned.
///
/// ```swift
/// var writer = SafeTensorsWriter(metadata: ["format": "pt"])
/// try writer.add("w", shape: [2, 2], floats: [1, 2, 3, 4], as: .bf16)
/// try writer.write(to: url)
/// ```
public struct SafeTensorsWriter: Sendable {
    /// Stored as the header's `__metadata__` (omitted when empty).
    public var metadata: [String: String]

    private struct Entry: Sendable {
        let name: String
        let dtype: DType
        let shape: [Int]
        let bytes: [UInt8]
    }
    private var entries: [Entry] = []
    private var names = Set<String>()

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a tensor from its raw little-endian, row-major bytes.
    ///
    /// - Throws: ``SafeTensorsError/invalidWriterInput(tensor:reason:)`` for a reserved or repeated
    ///   name, a negative or overflowing shape, or a byte count that disagrees with dtype and shape.
    public mutating func add(_ name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws(SafeTensorsError) {
        guard name != "__metadata__" else { throw .invalidWriterInput(tensor: name, reason: "uses the reserved name") }
        guard !names.contains(name) else { throw .invalidWriterInput(tensor: name, reason: "was already added") }
        let expected = try Self.byteCount(of: name, dtype: dtype, shape: shape)
        guard bytes.count == expected else {
            throw .invalidWriterInput(tensor: name, reason: "has \(bytes.count) bytes, its dtype and shape need \(expected)")
        }
        names.insert(name)
        entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// Adds a floating-point tensor, converting `floats` to `dtype` (F32, F16, BF16 or F64). F16 and
    /// BF16 round to nearest, ties to even.
    public mutating func add(
        _ name: String, shape: [Int], floats: [Float], as dtype: DType = .f32
    ) throws(SafeTensorsError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(floats.count * dtype.byteSize)
        switch dtype {
        case .f32: for value in floats { Self.append(value.bitPattern, to: &bytes) }
        case .f64: for value in floats { Self.append(Double(value).bitPattern, to: &bytes) }
        case .f16: for value in floats { Self.append(HalfPrecision.halfBits(from: value), to: &bytes) }
        case .bf16: for value in floats { Self.append(HalfPrecision.bfloat16Bits(from: value), to: &bytes) }
        case .i64, .i32, .i16, .i8, .u8, .bool:
            throw .invalidWriterInput(tensor: name, reason: "cannot store floats as \(dtype.rawValue)")
        }
        try add(name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// Adds an integer or bool tensor, converting `integers` to `dtype`; a value out of the dtype's
    /// range (or other than 0 and 1 for BOOL) is an error.
    public mutating func add(
        _ name: String, shape: [Int], integers: [Int64], as dtype: DType
    ) throws(SafeTensorsError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(integers.count * dtype.byteSize)
        for value in integers {
            let fits: Bool
            switch dtype {
            case .i64: fits = true; Self.append(UInt64(bitPattern: value), to: &bytes)
            case .i32: fits = Int32(exactly: value) != nil; Self.append(UInt32(truncatingIfNeeded: value), to: &bytes)
            case .i16: fits = Int16(exactly: value) != nil; Self.append(UInt16(truncatingIfNeeded: value), to: &bytes)
            case .i8: fits = Int8(exactly: value) != nil; bytes.append(UInt8(truncatingIfNeeded: value))
            case .u8: fits = UInt8(exactly: value) != nil; bytes.append(UInt8(truncatingIfNeeded: value))
            case .bool: fits = value == 0 || value == 1; bytes.append(UInt8(truncatingIfNeeded: value))
            case .f64, .f32, .f16, .bf16:
                throw .invalidWriterInput(tensor: name, reason: "cannot store integers as \(dtype.rawValue)")
            }
            guard fits else { throw .invalidWriterInput(tensor: name, reason: "value \(value) does not fit in \(dtype.rawValue)") }
        }
        try add(name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The complete file: length, header, data.
    public func serialized() -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }
                .map { JSONValue.quoted($0.key) + ":" + JSONValue.quoted($0.value) }
            fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for entry in entries {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            fields.append(JSONValue.quoted(entry.name) + ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],"
                          + "\"data_offsets\":[\(offset),\(offset + entry.bytes.count)]}")
            offset += entry.bytes.count
        }
        var header = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var file: [UInt8] = []
        file.reserveCapacity(SafeTensorsHeader.lengthFieldSize + header.count + offset)
        Self.append(UInt64(header.count), to: &file)
        file.append(contentsOf: header)
        for entry in entries { file.append(contentsOf: entry.bytes) }
        return file
    }

    /// Writes ``serialized()`` to `url`, atomically.
    public func write(to url: URL) throws(SafeTensorsError) {
        do {
            try Data(serialized()).write(to: url, options: .atomic)
        } catch {
            throw .cannotWrite(file: url.path, reason: "\(error.localizedDescription)")
        }
    }

    // MARK: - Helpers

    private static func byteCount(of name: String, dtype: DType, shape: [Int]) throws(SafeTensorsError) -> Int {
        var count = dtype.byteSize
        for (axis, size) in shape.enumerated() {
            guard size >= 0 else { throw .invalidWriterInput(tensor: name, reason: "has a negative size at axis \(axis)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .invalidWriterInput(tensor: name, reason: "shape \(shape) is too large") }
            count = product
        }
        return count
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
