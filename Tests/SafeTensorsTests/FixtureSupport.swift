import Foundation
import Testing
@testable import SafeTensors

/// Paths and golden-file decoding for Tests/Fixtures/safetensors, which
/// tools/fixtures/make_safetensors_fixtures.py regenerates from the reference implementation.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/safetensors")

    static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    static func golden(_ name: String) throws -> GoldenFile {
        try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: url(name)))
    }
}

/// What the reference reader saw in one fixture file.
struct GoldenFile: Decodable {
    let metadata: [String: String]?
    /// Tensor names sorted by data offset.
    let fileOrder: [String]?
    let tensors: [GoldenTensor]

    enum CodingKeys: String, CodingKey {
        case metadata, tensors
        case fileOrder = "file_order"
    }
}

struct GoldenTensor: Decodable {
    let name: String
    let dtype: String
    let shape: [Int]
    /// torch's `tensor.float()` as bit patterns (floating-point dtypes).
    let float32Bits: [UInt32]?
    /// The stored values (integer and bool dtypes).
    let integers: [Int64]?

    enum CodingKeys: String, CodingKey {
        case name, dtype, shape, integers
        case float32Bits = "float32_bits"
    }
}

/// `bad/manifest.json`: each bad input and the error case it must throw.
struct BadManifest: Decodable {
    let files: [String: String]
    let checkpoints: [String: String]

    static let loaded: BadManifest? = try? JSONDecoder().decode(
        BadManifest.self, from: Data(contentsOf: Fixtures.url("bad/manifest.json")))
}

/// The case name of an error ("offsetsOutOfBounds"), to compare with the manifest.
func caseName(_ error: SafeTensorsError) -> String {
    Mirror(reflecting: error).children.first?.label ?? "\(error)"
}

/// Compares floats bit for bit, except that any NaN matches any NaN of the same sign (payloads
/// differ between conversions that quiet signalling NaNs and those that do not).
func expectSameFloats(_ actual: [Float], expectedBits: [UInt32], _ context: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expectedBits.count, "\(context): count", sourceLocation: sourceLocation)
    for (index, (value, bits)) in zip(actual, expectedBits).enumerated() {
        let expected = Float(bitPattern: bits)
        if expected.isNaN {
            #expect(value.isNaN && value.sign == expected.sign,
                    "\(context)[\(index)]: \(value) is not a NaN of sign \(expected.sign)", sourceLocation: sourceLocation)
        } else {
            #expect(value.bitPattern == bits,
                    "\(context)[\(index)]: got \(value) (0x\(String(value.bitPattern, radix: 16))), expected \(expected) (0x\(String(bits, radix: 16)))",
                    sourceLocation: sourceLocation)
        }
    }
}

/// A fresh directory under the system temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
