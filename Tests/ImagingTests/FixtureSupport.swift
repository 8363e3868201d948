import Foundation
import Imaging

/// Paths and decoding for Tests/Fixtures/imaging, which tools/fixtures/make_imaging_fixtures.py
/// regenerates from Pillow, numpy, torch and transformers.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/imaging")

    static func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
    }
}

func bytes(_ base64: String) -> [UInt8] { [UInt8](Data(base64Encoded: base64) ?? Data()) }

struct ResizeFixtures: Decodable {
    struct Case: Decodable {
        let name: String
        let width: Int, height: Int, pixels: String
        let target_width: Int, target_height: Int, expected: String
    }
    struct Preprocess: Decodable {
        let name: String
        let width: Int, height: Int, pixels: String
        let shortest_side: Int, resized_width: Int, resized_height: Int, expected: String
    }
    let resize: [Case]
    let meta_preprocess: [Preprocess]

    static let loaded = try? Fixtures.load(ResizeFixtures.self, "resize.json")
}

struct SizeRow: Decodable {
    let width: Int, height: Int, shortest_side: Int
    let meta: [Int], huggingface: [Int]
}

struct WhitenFixture: Decodable {
    let width: Int, height: Int, expected: String
}

struct CHWFixture: Decodable {
    let byte_to_float_bits: [UInt32]
    let width: Int, height: Int
    let chw_bits: [UInt32]
    let expected_hwc: String
}

/// The first differing pixel of two pictures, for failure messages.
func firstDifference(_ actual: RGBImage, _ expected: RGBImage) -> String {
    guard actual.width == expected.width && actual.height == expected.height else {
        return "size \(actual.width)x\(actual.height), expected \(expected.width)x\(expected.height)"
    }
    for y in 0 ..< actual.height {
        for x in 0 ..< actual.width where actual[x, y] != expected[x, y] {
            return "pixel (\(x), \(y)) is \(actual[x, y]), expected \(expected[x, y])"
        }
    }
    return "equal"
}
