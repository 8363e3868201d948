import Foundation
import Imaging
import PNGCodec
import Testing

/// Every good fixture decodes to Pillow's pixels; every bad one throws its case with a one-line
/// message naming the file.
@Suite struct ReaderTests {
    static let goodNames = (PNGManifest.loaded?.good.keys).map { $0.sorted() } ?? []
    static let badNames = (PNGManifest.loaded?.bad.keys).map { $0.sorted() } ?? []

    @Test func manifestCoversTheCorpus() throws {
        let manifest = try #require(PNGManifest.loaded, "png/manifest.json is missing or unreadable")
        let good = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("good"))
        let bad = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("bad"))
        #expect(Set(good) == Set(manifest.good.keys))
        #expect(Set(bad) == Set(manifest.bad.keys))
        // Every colour type and every bit depth PNG allows, plain and interlaced.
        let formats = Set(manifest.good.values.map { "\($0.color_type)/\($0.bit_depth)/\($0.interlaced)" })
        for (colorType, depths) in [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16])] {
            for depth in depths {
                #expect(formats.contains("\(colorType)/\(depth)/false") && formats.contains("\(colorType)/\(depth)/true"),
                        "colour type \(colorType), depth \(depth)")
            }
        }
    }

    @Test(arguments: goodNames)
    func decodesLikePillow(_ name: String) throws {
        let expected = try #require(PNGManifest.loaded?.good[name])
        let picture = try PNGReader.read(path: Fixtures.path("good/" + name))
        let (bytes, channels) = pixelBytes(picture)
        #expect(picture.width == expected.width && picture.height == expected.height)
        #expect(channels == expected.channels, "\(name): \(channels) channels, expected \(expected.channels)")
        #expect(bytes == [UInt8](Data(base64Encoded: expected.pixels) ?? Data()), "\(name): pixels differ")
        #expect(picture.sourceFormat == .init(colorType: expected.color_type, bitDepth: expected.bit_depth,
                                              interlaced: expected.interlaced))
        #expect(picture.textChunks.map { [$0.key, $0.value] } == expected.texts)
    }

    @Test(arguments: badNames)
    func badFileThrowsItsCase(_ name: String) throws {
        let expected = try #require(PNGManifest.loaded?.bad[name])
        let path = Fixtures.path("bad/" + name)
        do {
            let picture = try PNGReader.read(path: path)
            Issue.record("\(name) decoded to \(picture.width)x\(picture.height); expected \(expected)")
        } catch {
            #expect(caseName(error) == expected, "\(name): \(error)")
            #expect(error.description.hasPrefix(path + ": "), "\(error)")
            #expect(!error.description.contains("\n"), "\(error)")
        }
    }

    // MARK: - Exact errors users meet

    @Test func decompressionBombIsRefusedFromTheHeader() {
        let path = Fixtures.path("bad/bomb_100000x100000.png")
        #expect(throws: PNGError.tooLarge(file: path, width: 100000, height: 100000, limit: 1 << 24)) {
            try PNGReader.read(path: path)
        }
        let wide = Fixtures.path("bad/bomb_wide.png")
        #expect(throws: PNGError.tooLarge(file: wide, width: 0x7FFF_FFFF, height: 1, limit: 1 << 24)) {
            try PNGReader.read(path: wide)
        }
        #expect(PNGError.tooLarge(file: "x.png", width: 5000, height: 4000, limit: 16_777_216).description
                == "x.png: picture is 5000x4000 (20000000 pixels), above the limit of 16777216 pixels")
    }

    @Test func thePixelLimitIsTheCallersChoice() throws {
        let path = Fixtures.path("good/pillow_rgb.png")  // 32×24
        #expect(throws: PNGError.tooLarge(file: path, width: 32, height: 24, limit: 767)) {
            try PNGReader.read(path: path, limits: PNGLimits(maxPixels: 767))
        }
        #expect(try PNGReader.read(path: path, limits: PNGLimits(maxPixels: 768)).width == 32)
    }

    @Test func zeroSizeNamesTheSize() {
        let path = Fixtures.path("bad/zero_width.png")
        #expect(throws: PNGError.invalidDimensions(file: path, width: 0, height: 8)) { try PNGReader.read(path: path) }
    }

    @Test func otherFormatsAreNamed() {
        let path = Fixtures.path("bad/jpeg_renamed.png")
        #expect(throws: PNGError.notPNG(file: path, looksLike: "a JPEG picture")) { try PNGReader.read(path: path) }
        #expect(PNGError.notPNG(file: path, looksLike: "a JPEG picture").description == "\(path): not a PNG file (it looks like a JPEG picture)")
        let garbage = Fixtures.path("bad/garbage.png")
        #expect(throws: PNGError.notPNG(file: garbage, looksLike: nil)) { try PNGReader.read(path: garbage) }
    }

    @Test func corruptionCarriesLibpngsReason() throws {
        let path = Fixtures.path("bad/bad_crc_idat.png")
        do {
            _ = try PNGReader.read(path: path)
            Issue.record("bad CRC accepted")
        } catch {
            #expect(caseName(error) == "corrupt")
            guard case let .corrupt(_, detail) = error else { return }
            #expect(error.description == "\(path): corrupt PNG: \(detail)")
            #expect(detail == "IDAT: CRC error", "\(error)")
        }
    }

    @Test func missingAndUnreadableFiles() throws {
        let missing = "/nonexistent/omnichat/picture.png"
        #expect(throws: PNGError.unreadable(file: missing, reason: "No such file or directory")) {
            try PNGReader.read(path: missing)
        }
        let directory = Fixtures.path("good")
        #expect(throws: PNGError.unreadable(file: directory, reason: "is a directory")) { try PNGReader.read(path: directory) }
        let path = Fixtures.path("good/pillow_rgb.png")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(throws: PNGError.fileTooLarge(file: path, bytes: size, limit: 100)) {
            try PNGReader.read(path: path, limits: PNGLimits(maxFileBytes: 100))
        }
    }

    // MARK: - Robustness beyond the corpus

    /// Every prefix of a valid file is refused as truncated (or as not a PNG when empty).
    @Test func everyPrefixIsTruncated() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("good/text_chunks.png"))))
        for length in 0 ..< bytes.count {
            do {
                _ = try PNGReader.decode(Array(bytes[0 ..< length]), name: "prefix")
                Issue.record("a \(length)-byte prefix decoded")
            } catch {
                #expect(caseName(error) == (length == 0 ? "notPNG" : "truncated"), "\(length) bytes: \(error)")
            }
        }
    }

    /// Flipping any single byte never crashes; what decodes has the declared size.
    @Test func singleByteCorruptionNeverCrashes() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("good/palette4_trns_interlaced.png"))))
        var rejected = 0
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x5A
            do {
                let picture = try PNGReader.decode(damaged, name: "flip")
                #expect(pixelBytes(picture).bytes.count == picture.width * picture.height * pixelBytes(picture).channels)
            } catch {
                rejected += 1
                #expect(!error.description.contains("\n"))
            }
        }
        #expect(rejected > bytes.count * 3 / 4, "only \(rejected) of \(bytes.count) damaged files were refused")
    }

    @Test func flatteningUsesMetasBlend() throws {
        let picture = try PNGReader.read(path: Fixtures.path("good/palette1_trns.png"))  // index 0 transparent red
        guard case let .rgba(rgba) = picture.pixels else { Issue.record("expected RGBA"); return }
        let flat = picture.flattened()
        for y in 0 ..< rgba.height {
            for x in 0 ..< rgba.width {
                let alpha = rgba.pixels[(y * rgba.width + x) * 4 + 3]
                #expect(flat[x, y] == (alpha == 0 ? RGB.white : RGB(0, 0, 255)))
            }
        }
    }
}
