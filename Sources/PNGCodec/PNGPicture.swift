import Imaging

/// What the reader accepts.
public struct PNGLimits: Sendable, Equatable {
    /// The most pixels (width × height) a picture may declare: 16 megapixels (4096 × 4096) by
    /// default. Checked from the header before any pixel memory is allocated, which stops
    /// decompression bombs (a tiny file that declares a huge picture).
    public var maxPixels: Int
    /// The largest file read into memory.
    public var maxFileBytes: Int

    public init(maxPixels: Int = 1 << 24, maxFileBytes: Int = 256 << 20) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }
}

/// One text chunk (tEXt, zTXt or iTXt) as key and value.
public struct PNGTextChunk: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// A decoded PNG: 8-bit pixels whatever the file's colour type and depth, plus its text chunks.
public struct PNGPicture: Sendable, Equatable {
    /// The pixels: RGB when the file has no transparency (no alpha channel and no tRNS chunk),
    /// RGBA otherwise.
    public enum Pixels: Sendable, Equatable {
        case rgb(RGBImage)
        case rgba(RGBAImage)
    }

    /// How the file stored its pixels (before conversion to 8-bit RGB/RGBA).
    public struct SourceFormat: Sendable, Equatable {
        /// PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA.
        public var colorType: Int
        public var bitDepth: Int
        public var interlaced: Bool

        public init(colorType: Int, bitDepth: Int, interlaced: Bool) {
            self.colorType = colorType
            self.bitDepth = bitDepth
            self.interlaced = interlaced
        }
    }

    public var pixels: Pixels
    public var textChunks: [PNGTextChunk]
    public var sourceFormat: SourceFormat

    public init(pixels: Pixels, textChunks: [PNGTextChunk] = [], sourceFormat: SourceFormat) {
        self.pixels = pixels
        self.textChunks = textChunks
        self.sourceFormat = sourceFormat
    }

    public var width: Int {
        switch pixels {
        case let .rgb(image): return image.width
        case let .rgba(image): return image.width
        }
    }

    public var height: Int {
        switch pixels {
        case let .rgb(image): return image.height
        case let .rgba(image): return image.height
        }
    }

    /// The value of the first text chunk with this key.
    public func text(forKey key: String) -> String? {
        textChunks.first { $0.key == key }?.value
    }

    /// The picture as opaque RGB, transparency composited over `background` the way Chameleon's
    /// reference preprocessing does (see `RGBAImage.flattened(onto:)`).
    public func flattened(onto background: RGB = .white) -> RGBImage {
        switch pixels {
        case let .rgb(image): return image
        case let .rgba(image): return image.flattened(onto: background)
        }
    }
}
