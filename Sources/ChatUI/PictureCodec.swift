import Imaging

/// Turns picture codes into pixels and pixels into codes for the chat: the seam between the UI
/// and the image tokenizer (VQGAN). The chat calls it off the UI thread and never more than once
/// at a time per picture.
///
/// - `preview` draws a picture while its codes are still arriving (`codes` are the first
///   `codes.count` of `total`, in raster order);
/// - `decode` draws the finished picture;
/// - `encode` turns an attached picture into codes for the model.
///
/// The chat ships with `UnavailablePictureCodec`, which says plainly that it cannot draw; the
/// VQGAN-backed codec replaces it once the image tokenizer is in.
public protocol PictureCodec: Sendable {
    /// One line shown under every picture when this codec cannot show its real pixels; nil
    /// when it can.
    var limitation: String? { get }
    func preview(codes: [Int], total: Int) throws -> RGBImage
    func decode(codes: [Int]) throws -> RGBImage
    func encode(_ picture: RGBImage) throws -> [Int]
}

/// Why a picture could not be turned into pixels or codes.
public struct PictureCodecError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The codec used while no image decoder is available: it shows where a picture's codes have
/// arrived, as grey squares on a darker grid, and never pretends to show the picture itself.
/// Encoding is refused.
///
/// The grid is square (`total` is rounded up to the next square), one 4×4-pixel square per code:
/// codes that have arrived are light grey, the rest dark grey.
public struct UnavailablePictureCodec: PictureCodec {
    public init() {}

    public var limitation: String? { "no picture decoder: grey squares show which codes have arrived" }

    /// Pixels per side of one code's square.
    static let squareSide = 4
    static let arrived = RGB(160, 160, 160)
    static let waiting = RGB(64, 64, 64)

    public func preview(codes: [Int], total: Int) throws -> RGBImage {
        guard total > 0 else { throw PictureCodecError("a picture of 0 codes") }
        let side = Int(Double(total).squareRoot().rounded(.up))
        let pixels = side * Self.squareSide
        var image = [UInt8](repeating: 0, count: pixels * pixels * 3)
        for y in 0 ..< pixels {
            for x in 0 ..< pixels {
                let position = (y / Self.squareSide) * side + x / Self.squareSide
                let color = position < codes.count ? Self.arrived : Self.waiting
                let offset = (y * pixels + x) * 3
                image[offset] = color.red
                image[offset + 1] = color.green
                image[offset + 2] = color.blue
            }
        }
        return RGBImage(width: pixels, height: pixels, pixels: image)
    }

    public func decode(codes: [Int]) throws -> RGBImage {
        try preview(codes: codes, total: codes.count)
    }

    public func encode(_ picture: RGBImage) throws -> [Int] {
        throw PictureCodecError("attaching pictures needs the picture encoder, which this build does not have yet")
    }
}
