import Imaging
import Testing

/// Alpha flattening and float tensor conversions against Meta's reference code (numpy, torch).
@Suite struct PixelConversionTests {
    @Test func flatteningMatchesMetaWhitenTransparency() throws {
        let fixture = try Fixtures.load(WhitenFixture.self, "whiten.json")
        // Same input as the fixture script: rgba(x, y) = (x, 255 − x, 37x mod 256, y).
        var rgba = [UInt8]()
        for y in 0 ..< 256 {
            for x in 0 ..< 256 {
                rgba += [UInt8(x), UInt8(255 - x), UInt8((37 * x) % 256), UInt8(y)]
            }
        }
        let image = RGBAImage(width: 256, height: 256, pixels: rgba)
        let expected = RGBImage(width: fixture.width, height: fixture.height, pixels: bytes(fixture.expected))
        let flattened = image.flattened()
        #expect(flattened == expected, "\(firstDifference(flattened, expected))")
        #expect(image.hasTransparency)
    }

    @Test func opaquePicturesFlattenUnchanged() {
        let rgb = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 250, 251, 252])
        #expect(!rgb.withOpaqueAlpha.hasTransparency)
        #expect(rgb.withOpaqueAlpha.flattened() == rgb)
        #expect(rgb.withOpaqueAlpha.flattened(onto: .black) == rgb)
        #expect(rgb.withOpaqueAlpha.droppingAlpha == rgb)
    }

    @Test func transparentPixelsTakeTheBackground() {
        let clear = RGBAImage(width: 1, height: 1, pixels: [9, 9, 9, 0])
        #expect(clear.flattened()[0, 0] == .white)
        #expect(clear.flattened(onto: RGB(1, 2, 3))[0, 0] == RGB(1, 2, 3))
    }

    @Test func bytesToFloatsMatchMetaPreprocessing() throws {
        let fixture = try Fixtures.load(CHWFixture.self, "chw.json")
        #expect(fixture.byte_to_float_bits.count == 256)
        // A 256×1 picture whose red channel takes every byte value; green/blue reversed/fixed.
        var pixels = [UInt8]()
        for value in 0 ..< 256 { pixels += [UInt8(value), UInt8(255 - value), 128] }
        let planes = RGBImage(width: 256, height: 1, pixels: pixels).normalizedCHW()
        #expect(planes.count == 3 * 256)
        for value in 0 ..< 256 {
            #expect(planes[value].bitPattern == fixture.byte_to_float_bits[value], "red \(value)")
            #expect(planes[256 + value].bitPattern == fixture.byte_to_float_bits[255 - value], "green \(255 - value)")
            #expect(planes[512 + value].bitPattern == fixture.byte_to_float_bits[128], "blue 128")
        }
        #expect(planes[0] == -1 && planes[255] == 1)
    }

    @Test func floatsToBytesMatchMetaPostprocessing() throws {
        let fixture = try Fixtures.load(CHWFixture.self, "chw.json")
        let planes = fixture.chw_bits.map { Float(bitPattern: $0) }
        let image = RGBImage(normalizedCHW: planes, width: fixture.width, height: fixture.height)
        let expected = RGBImage(width: fixture.width, height: fixture.height, pixels: bytes(fixture.expected_hwc))
        #expect(image == expected, "\(firstDifference(image, expected))")
    }

    @Test func byteRoundTripThroughFloatsIsExactOrOneBelow() {
        // Meta's conversions truncate, so a byte can come back one lower; never higher, never further.
        var pixels = [UInt8]()
        for value in 0 ..< 256 { pixels += [UInt8(value), UInt8(value), UInt8(value)] }
        let image = RGBImage(width: 256, height: 1, pixels: pixels)
        let back = RGBImage(normalizedCHW: image.normalizedCHW(), width: 256, height: 1)
        for (original, returned) in zip(image.pixels, back.pixels) {
            #expect(returned == original || returned + 1 == original)
        }
    }

    @Test func nanBecomesZero() {
        let image = RGBImage(normalizedCHW: [.nan, 1, -1], width: 1, height: 1)
        #expect(image[0, 0] == RGB(0, 255, 0))
    }
}
