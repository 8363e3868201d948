import Foundation
import Imaging
import PNGCodec

/// Paths and expectations for Tests/Fixtures/png, which tools/fixtures/make_png_fixtures.py
/// regenerates (pixels as Pillow decodes them, checked against the PNG specification).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/png")

    static func path(_ relativePath: String) -> String { directory.appendingPathComponent(relativePath).path }
}

struct PNGManifest: Decodable {
    struct Good: Decodable {
        let width: Int
        let height: Int
        let channels: Int
        let pixels: String
        let bit_depth: Int
        let color_type: Int
        let interlaced: Bool
        let texts: [[String]]
    }
    let good: [String: Good]
    let bad: [String: String]

    static let loaded: PNGManifest? = try? JSONDecoder().decode(
        PNGManifest.self, from: Data(contentsOf: Fixtures.directory.appendingPathComponent("manifest.json")))
}

/// The case name of an error ("truncated"), to compare with the manifest.
func caseName(_ error: PNGError) -> String {
    Mirror(reflecting: error).children.first?.label ?? "\(error)"
}

/// The raw bytes of a picture's pixels and its channel count.
func pixelBytes(_ picture: PNGPicture) -> (bytes: [UInt8], channels: Int) {
    switch picture.pixels {
    case let .rgb(image): return (image.pixels, 3)
    case let .rgba(image): return (image.pixels, 4)
    }
}

/// A fresh directory under the system temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("png-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}
