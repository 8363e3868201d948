/// One 8-bit sRGB colour.
public struct RGB: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
}

/// An 8-bit RGB picture: the pixel value type shared by everything visual (PNG files, the VQGAN,
/// the terminal renderer).
///
/// Pixels are stored row by row, top row first, three bytes per pixel (red, green, blue).
///
/// ```swift
/// let image = RGBImage(width: 2, height: 1, pixels: [255, 0, 0, 0, 0, 255])
/// image[0, 0]  // RGB(255, 0, 0)
/// ```
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes, RGB interleaved, rows top to bottom.
    public private(set) var pixels: [UInt8]

    /// Wraps pixel bytes; `pixels.count` must be `width * height * 3` (a programmer error otherwise).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        precondition(pixels.count == width * height * 3,
                     "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A picture filled with one colour.
    public init(width: Int, height: Int, filledWith color: RGB) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for index in stride(from: 0, to: pixels.count, by: 3) {
            pixels[index] = color.red
            pixels[index + 1] = color.green
            pixels[index + 2] = color.blue
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The pixel at column `x`, row `y` (both zero-based from the top left).
    public subscript(x: Int, y: Int) -> RGB {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
            let index = (y * width + x) * 3
            return RGB(pixels[index], pixels[index + 1], pixels[index + 2])
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
            let index = (y * width + x) * 3
            pixels[index] = newValue.red
            pixels[index + 1] = newValue.green
            pixels[index + 2] = newValue.blue
        }
    }

    /// The rectangle `x ..< x + width`, `y ..< y + height`, which must lie inside the picture.
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && cropWidth >= 0 && cropHeight >= 0
                     && x + cropWidth <= width && y + cropHeight <= height,
                     "crop \(cropWidth)x\(cropHeight) at (\(x), \(y)) outside \(width)x\(height)")
        var result = [UInt8]()
        result.reserveCapacity(cropWidth * cropHeight * 3)
        for row in y ..< y + cropHeight {
            let start = (row * width + x) * 3
            result.append(contentsOf: pixels[start ..< start + cropWidth * 3])
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: result)
    }
}
