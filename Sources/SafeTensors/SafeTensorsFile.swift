import Foundation

/// One `.safetensors` file, memory-mapped read-only and validated completely when opened.
///
/// Opening checks the framing, the JSON header, every tensor entry, and that the tensors tile the
/// data region exactly; after that, every accessor reads inside the mapping. Tensor bytes are not
/// copied until asked for.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "model.safetensors"))
/// for name in file.tensorNames { print(name, file.info(name)!.shape) }
/// let weights: [Float] = try file.floats("lm_head.weight")     // F32, F16, BF16 or F64
/// try file.withRawBytes("lm_head.weight") { bytes in ... }     // zero-copy view
/// ```
public final class SafeTensorsFile: Sendable {
    /// The file, as opened.
    public let url: URL
    /// The `__metadata__` map of the header (empty when the header has none).
    public let metadata: [String: String]
    /// Tensor names in the order their bytes appear in the file.
    public let tensorNames: [String]
    /// Byte offset of the data region within the file (8 + header length).
    public let dataRegionOffset: Int

    private let tensorsByName: [String: TensorInfo]
    private let mapping: MappedFile

    /// Maps and validates the file at `url`.
    ///
    /// - Throws: ``SafeTensorsError`` naming the file and the first problem found.
    public init(contentsOf url: URL) throws(SafeTensorsError) {
        let path = url.path
        let mapping = try MappedFile(path: path)
        let (header, dataStart) = try SafeTensorsHeader.read(fileBytes: mapping.bytes, file: path)

        self.url = url
        self.mapping = mapping
        self.metadata = header.metadata
        self.dataRegionOffset = dataStart
        self.tensorNames = header.tensors.map(\.name)
        self.tensorsByName = Dictionary(header.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Validates a whole `.safetensors` file image in memory exactly as opening a file does
    /// (framing, header, entries, tiling) and returns its tensor names in file order. For
    /// fuzzing and for callers that hold the bytes already.
    /// - Parameter name: how errors name the input.
    public static func validate(fileBytes: UnsafeRawBufferPointer, name: String) throws(SafeTensorsError) -> [String] {
        try SafeTensorsHeader.read(fileBytes: fileBytes, file: name).0.tensors.map(\.name)
    }

    /// The path used in error messages.
    public var path: String { mapping.path }

    /// Size of the data region in bytes (the file minus the length field and header).
    public var dataRegionSize: Int { mapping.bytes.count - dataRegionOffset }

    /// The header entry for `name`, or nil when the file has no such tensor.
    public func info(_ name: String) -> TensorInfo? { tensorsByName[name] }

    /// The shape of `name`, or nil when the file has no such tensor.
    public func shape(of name: String) -> [Int]? { tensorsByName[name]?.shape }

    /// Every tensor's header entry, in file order.
    public var tensorInfos: [TensorInfo] { tensorNames.compactMap { tensorsByName[$0] } }

    /// The header entry for `name`, or ``SafeTensorsError/tensorNotFound(file:tensor:)``.
    public func requireInfo(_ name: String) throws(SafeTensorsError) -> TensorInfo {
        guard let info = tensorsByName[name] else { throw .tensorNotFound(file: path, tensor: name) }
        return info
    }

    /// Calls `body` with the tensor's bytes inside the mapping, without copying.
    ///
    /// The bytes are little-endian and row-major. The pointer is valid only during `body`, and it is
    /// **not** necessarily aligned to the element size (the data region starts wherever the header
    /// ends), so read it with `loadUnaligned` or copy it out.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try body(bytes(of: try requireInfo(name)))
    }

    /// The tensor's bytes inside the mapping, valid for as long as this file object lives: a caller
    /// that keeps them keeps a reference to the file too. Same layout and alignment caveats as
    /// ``withRawBytes(_:_:)``; the mapping is read-only, so the bytes must never be written.
    public func mappedBytes(_ name: String) throws(SafeTensorsError) -> UnsafeRawBufferPointer {
        bytes(of: try requireInfo(name))
    }

    /// The tensor's elements converted to `Float` (row-major), for F32, F16, BF16 and F64 tensors.
    /// F16 and BF16 convert exactly; F64 rounds to nearest.
    ///
    /// - Throws: ``SafeTensorsError/tensorNotFound(file:tensor:)``, or
    ///   ``SafeTensorsError/wrongDType(file:tensor:dtype:requested:)`` for integer and bool tensors.
    public func floats(_ name: String) throws(SafeTensorsError) -> [Float] {
        let info = try requireInfo(name)
        guard info.dtype.isFloatingPoint else {
            throw .wrongDType(file: path, tensor: name, dtype: info.dtype, requested: "Float")
        }
        return ElementDecoding.floats(from: bytes(of: info), dtype: info.dtype)
    }

    /// Converts the tensor's elements to `Float` straight into `destination` (which must hold exactly
    /// `info(name)!.elementCount` floats), sparing the intermediate array of ``floats(_:)`` when
    /// loading large weights into storage of your own.
    ///
    /// - Throws: as ``floats(_:)``, or ``SafeTensorsError/destinationSizeMismatch(file:tensor:elementCount:destinationCount:)``.
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws(SafeTensorsError) {
        let info = try requireInfo(name)
        guard info.dtype.isFloatingPoint else {
            throw .wrongDType(file: path, tensor: name, dtype: info.dtype, requested: "Float")
        }
        guard destination.count == info.elementCount else {
            throw .destinationSizeMismatch(file: path, tensor: name, elementCount: info.elementCount,
                                           destinationCount: destination.count)
        }
        ElementDecoding.decodeFloats(from: bytes(of: info), dtype: info.dtype, into: destination)
    }

    /// The tensor's elements as `Int64` (row-major), for I64, I32, I16, I8, U8 and BOOL tensors
    /// (BOOL reads as its stored byte, 0 or 1 in well-formed files).
    ///
    /// - Throws: ``SafeTensorsError/tensorNotFound(file:tensor:)``, or
    ///   ``SafeTensorsError/wrongDType(file:tensor:dtype:requested:)`` for floating-point tensors.
    public func integers(_ name: String) throws(SafeTensorsError) -> [Int64] {
        let info = try requireInfo(name)
        guard !info.dtype.isFloatingPoint else {
            throw .wrongDType(file: path, tensor: name, dtype: info.dtype, requested: "Int64")
        }
        return ElementDecoding.integers(from: bytes(of: info), dtype: info.dtype)
    }

    /// The mapped bytes of one tensor; valid while `self` (which owns the mapping) is alive.
    private func bytes(of info: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapping.bytes[
            (dataRegionOffset + info.byteRange.lowerBound)..<(dataRegionOffset + info.byteRange.upperBound)])
    }
}
