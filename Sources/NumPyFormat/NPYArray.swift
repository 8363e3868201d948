import Foundation

/// A float32 array in NumPy's `.npy` format (version 1.0, little-endian `<f4`, C order): what
/// `--dump-logits` and `--dump-pixels` write and what the conformance fixtures store.
///
///     try NPYArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]).write(to: url)
///     let back = try NPYArray(contentsOf: url)
public struct NPYArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "NPYArray: shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The file's bytes.
    public func serialized() -> Data {
        let dims = shape.map(String.init).joined(separator: ", ")
        let shapeText = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so magic + version + length + header + newline is a multiple of 64.
        let unpadded = Self.magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(Self.magic)
        data.append(contentsOf: [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        return data
    }

    /// Writes the array atomically.
    public func write(to url: URL) throws {
        do { try serialized().write(to: url, options: .atomic) } catch {
            throw NPYError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads a `<f4` C-order `.npy` file.
    public init(contentsOf url: URL) throws {
        let path = url.path
        guard let data = try? Data(contentsOf: url) else { throw NPYError(path: path, reason: "cannot read file") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic else {
            throw NPYError(path: path, reason: "not a .npy file")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw NPYError(path: path, reason: "truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw NPYError(path: path, reason: "unsupported .npy version \(major)")
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw NPYError(path: path, reason: "truncated header")
        }
        guard header.contains("'descr': '<f4'") else { throw NPYError(path: path, reason: "only little-endian float32 is supported") }
        guard header.contains("'fortran_order': False") else { throw NPYError(path: path, reason: "Fortran order is not supported") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw NPYError(path: path, reason: "header has no shape")
        }
        let dims = header[open.upperBound..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for dim in dims {
            guard let value = Int(dim), value >= 0, value < 1 << 40 else { throw NPYError(path: path, reason: "bad shape entry \(dim)") }
            shape.append(value)
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (product, o) = acc.0.multipliedReportingOverflow(by: d)
            return (product, acc.1 || o)
        }
        let dataStart = headerStart + headerLength
        guard !overflow, count <= (bytes.count - dataStart) / 4, bytes.count - dataStart == count * 4 else {
            throw NPYError(path: path, reason: "data length does not match shape \(shape)")
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { dest in
            bytes.withUnsafeBytes { src in
                dest.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[dataStart..<(dataStart + count * 4)]))
            }
        }
        self.shape = shape
        self.values = values
    }
}

/// Why a `.npy` file could not be read or written.
public struct NPYError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
