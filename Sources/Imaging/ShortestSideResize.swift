/// How the long side is rounded when the short side is scaled to a target length.
///
/// The two Chameleon pipelines disagree (chameleon-format.md §4.2): for 300×700 → short side 512,
/// META gives 512×1195 and Hugging Face 512×1194.
public enum ShortestSideRounding: Sendable {
    /// Meta's reference (`_resize`): `scale = target / min(w, h)`, each side `round(scale · side)`
    /// with Python's round-half-to-even. The default: the model was trained with it.
    case meta
    /// Hugging Face `get_resize_output_image_size`: the short side becomes the target exactly,
    /// the long side `int(target · long / short)` (floor).
    case huggingFace
}

extension RGBImage {
    /// The size a `width`×`height` picture has after its short side is scaled to `shortestSide`.
    public static func sizeAfterShortestSideResize(width: Int, height: Int, shortestSide: Int,
                                                   rounding: ShortestSideRounding = .meta) -> (width: Int, height: Int) {
        precondition(width > 0 && height > 0 && shortestSide > 0, "sizes must be positive")
        switch rounding {
        case .meta:
            let scale = Double(shortestSide) / Double(min(width, height))
            return (Int((scale * Double(width)).rounded(.toNearestOrEven)),
                    Int((scale * Double(height)).rounded(.toNearestOrEven)))
        case .huggingFace:
            // Python: `int(size * long / short)`, the product in integers, then true division.
            if width <= height {
                return (shortestSide, Int(Double(shortestSide * height) / Double(width)))
            }
            return (Int(Double(shortestSide * width) / Double(height)), shortestSide)
        }
    }

    /// Scales the picture so its short side is `shortestSide` (Lanczos, as Pillow does).
    public func resizedShortestSide(to shortestSide: Int, rounding: ShortestSideRounding = .meta) -> RGBImage {
        let size = Self.sizeAfterShortestSideResize(width: width, height: height, shortestSide: shortestSide, rounding: rounding)
        return resizedLanczos(width: size.width, height: size.height)
    }

    /// The centred `width`×`height` rectangle, offsets `(W − width) / 2` and `(H − height) / 2`
    /// rounded down (both Meta and Hugging Face crop this way). The crop must fit.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(cropWidth <= width && cropHeight <= height,
                     "cannot crop \(cropWidth)x\(cropHeight) out of \(width)x\(height)")
        return cropped(x: (width - cropWidth) / 2, y: (height - cropHeight) / 2, width: cropWidth, height: cropHeight)
    }

    /// The model's preprocessing geometry in one step: short side scaled to `shortestSide`, then
    /// the centred `cropWidth`×`cropHeight` kept. Equal to `resizedShortestSide(to:rounding:)`
    /// followed by `centerCropped(width:height:)`, but only the kept pixels are computed, so a
    /// very long and thin picture costs no more than a square one.
    ///
    /// ```swift
    /// let modelInput = picture.resizedAndCenterCropped(shortestSide: 512, cropWidth: 512, cropHeight: 512)
    /// ```
    public func resizedAndCenterCropped(shortestSide: Int, cropWidth: Int, cropHeight: Int,
                                        rounding: ShortestSideRounding = .meta) -> RGBImage {
        let size = Self.sizeAfterShortestSideResize(width: width, height: height, shortestSide: shortestSide, rounding: rounding)
        precondition(cropWidth > 0 && cropHeight > 0 && cropWidth <= size.width && cropHeight <= size.height,
                     "cannot crop \(cropWidth)x\(cropHeight) out of \(size.width)x\(size.height)")
        let x0 = (size.width - cropWidth) / 2
        let y0 = (size.height - cropHeight) / 2
        return resizedLanczos(width: size.width, height: size.height,
                              keepingColumns: x0 ..< x0 + cropWidth, rows: y0 ..< y0 + cropHeight)
    }
}
