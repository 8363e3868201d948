/// An 8-bit RGBA picture (straight, not premultiplied, alpha), as decoded from a PNG that has
/// transparency.
///
/// Pictures enter the model and the terminal as `RGBImage`; `flattened(onto:)` removes the alpha
/// plane the way the reference preprocessing does.
public struct RGBAImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 4` bytes, RGBA interleaved, rows top to bottom.
    public private(set) var pixels: [UInt8]

    /// Wraps pixel bytes; `pixels.count` must be `width * height * 4` (a programmer error otherwise).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        precondition(pixels.count == width * height * 4,
                     "RGBAImage \(width)x\(height) needs \(width * height * 4) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// True when some pixel is not fully opaque.
    public var hasTransparency: Bool {
        stride(from: 3, to: pixels.count, by: 4).contains { pixels[$0] < 255 }
    }

    /// The picture with its alpha channel dropped (no blending).
    public var droppingAlpha: RGBImage {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for pixel in 0 ..< width * height {
            rgb[pixel * 3] = pixels[pixel * 4]
            rgb[pixel * 3 + 1] = pixels[pixel * 4 + 1]
            rgb[pixel * 3 + 2] = pixels[pixel * 4 + 2]
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Composites the picture over an opaque background, as Chameleon's reference preprocessing
    /// (`_whiten_transparency`, chameleon-format.md §4.2) does over white.
    ///
    /// Per channel, with `α = A / 255` in float64: `out = trunc((1 − α)·background + α·colour)`.
    /// Fully opaque pixels come out unchanged, so this equals the reference's plain `convert("RGB")`
    /// branch for pictures without transparency. Hugging Face's processor rounds instead of
    /// truncating (PIL `alpha_composite`), which can differ by one level.
    public func flattened(onto background: RGB = .white) -> RGBImage {
        let backgroundChannels = [Double(background.red), Double(background.green), Double(background.blue)]
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for pixel in 0 ..< width * height {
            let alpha = Double(pixels[pixel * 4 + 3]) / 255.0
            for channel in 0 ..< 3 {
                let blended = (1 - alpha) * backgroundChannels[channel] + alpha * Double(pixels[pixel * 4 + channel])
                rgb[pixel * 3 + channel] = UInt8(blended)  // truncation, as numpy's astype(uint8)
            }
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }
}

extension RGBImage {
    /// The picture with an opaque alpha channel added.
    public var withOpaqueAlpha: RGBAImage {
        var rgba = [UInt8](repeating: 255, count: width * height * 4)
        for pixel in 0 ..< width * height {
            rgba[pixel * 4] = pixels[pixel * 3]
            rgba[pixel * 4 + 1] = pixels[pixel * 3 + 1]
            rgba[pixel * 4 + 2] = pixels[pixel * 3 + 2]
        }
        return RGBAImage(width: width, height: height, pixels: rgba)
    }
}
