import Foundation
import Imaging
import PNGCodec
import Testing

/// Writing RGB PNGs with text chunks, atomically.
@Suite struct WriterTests {
    static func noise(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var state = seed
        var pixels = [UInt8]()
        for _ in 0 ..< width * height * 3 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            pixels.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    @Test func roundTripKeepsPixelsAndText() throws {
        let image = Self.noise(width: 37, height: 19, seed: 1)
        let text: [(key: String, value: String)] = [
            ("prompt", "a red house by a lake"), ("model", "anole-7b"), ("seed", "1234"),
            ("Title", "Grüße aus 東京 🏠"), ("empty", ""), ("Comment", "line one\nline two"),
        ]
        let bytes = try PNGWriter.encode(image, text: text)
        let picture = try PNGReader.decode(bytes)
        #expect(picture.pixels == .rgb(image))
        #expect(picture.sourceFormat == .init(colorType: 2, bitDepth: 8, interlaced: false))
        #expect(picture.textChunks == text.map { PNGTextChunk(key: $0.key, value: $0.value) })
        #expect(picture.text(forKey: "seed") == "1234")
    }

    @Test func asciiTextIsTEXtAndOtherTextIsITXt() throws {
        let bytes = try PNGWriter.encode(Self.noise(width: 2, height: 2, seed: 2),
                                         text: [("prompt", "plain"), ("Title", "Grüße")])
        let chunkTypes = chunkNames(bytes)
        #expect(chunkTypes == ["IHDR", "tEXt", "iTXt", "IDAT", "IEND"])
    }

    @Test func writesAtomicallyAndReplaces() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/picture.png"
        let first = Self.noise(width: 8, height: 8, seed: 3)
        try PNGWriter.write(first, to: path, text: [("seed", "3")])
        #expect(try PNGReader.read(path: path).pixels == .rgb(first))
        let second = Self.noise(width: 5, height: 3, seed: 4)
        try PNGWriter.write(second, to: path)
        #expect(try PNGReader.read(path: path).pixels == .rgb(second))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["picture.png"], "no temporary files left")
    }

    @Test func writeWithoutReplacingNeverTouchesAnExistingFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Spaces and non-ASCII in the name work like any other path.
        let path = directory + "/my picture 東京.png"
        let first = Self.noise(width: 4, height: 4, seed: 7)
        try PNGWriter.write(first, to: path, replacing: false)
        #expect(throws: PNGError.exists(file: path)) {
            try PNGWriter.write(Self.noise(width: 2, height: 2, seed: 8), to: path, replacing: false)
        }
        #expect(try PNGReader.read(path: path).pixels == .rgb(first))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["my picture 東京.png"], "no temporary files left")
        #expect(PNGError.exists(file: path).description.hasSuffix("already exists; choose another name"))
    }

    @Test func failedWriteNamesTheFileAndLeavesNothing() throws {
        let path = "/nonexistent-omnichat-dir/out.png"
        #expect(throws: PNGError.writeFailed(file: path, reason: "No such file or directory")) {
            try PNGWriter.write(Self.noise(width: 1, height: 1, seed: 5), to: path)
        }
    }

    @Test func invalidTextIsRefusedBeforeWriting() {
        let image = Self.noise(width: 1, height: 1, seed: 6)
        for key in ["", String(repeating: "k", count: 80), " lead", "trail ", "two  spaces", "tab\tkey", "東京"] {
            #expect(throws: PNGError.self, "key \(key.debugDescription)") { try PNGWriter.encode(image, text: [(key, "v")]) }
        }
        #expect(throws: PNGError.invalidText(file: "<memory>", key: "k", reason: "the value contains a NUL character")) {
            try PNGWriter.encode(image, text: [("k", "a\u{0}b")])
        }
        #expect(throws: Never.self) { try PNGWriter.encode(image, text: [(String(repeating: "k", count: 79), "v"), ("Größe", "ok")]) }
    }

    @Test func emptyPicturesCannotBeWritten() {
        #expect(throws: PNGError.invalidDimensions(file: "<memory>", width: 0, height: 3)) {
            try PNGWriter.encode(RGBImage(width: 0, height: 3, pixels: []))
        }
    }

    /// The chunk types of a PNG, in order.
    func chunkNames(_ bytes: [UInt8]) -> [String] {
        var names: [String] = []
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
            names.append(String(decoding: bytes[offset + 4 ..< offset + 8], as: UTF8.self))
            offset += 12 + length
        }
        return names
    }
}
