import CPNGShim
import FileIO
import Imaging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads PNG files of every colour type and bit depth into 8-bit RGB or RGBA through libpng.
///
/// ```swift
/// let picture = try PNGReader.read(path: "cat.png")
/// let rgb = picture.flattened()          // transparency over white
/// let prompt = picture.text(forKey: "prompt")
/// ```
///
/// Conversions: grey of 1, 2 or 4 bits is scaled to 8 bits (×255, ×85, ×17), palettes are
/// expanded, a tRNS chunk becomes an alpha channel, 16-bit samples keep their high byte (as
/// Pillow reads 16-bit colour), Adam7 interlacing is undone. Gamma and colour profiles are not
/// applied (neither does Pillow nor Chameleon's preprocessing).
public enum PNGReader {
    /// Reads and decodes the file at `path`.
    public static func read(path: String, limits: PNGLimits = PNGLimits()) throws(PNGError) -> PNGPicture {
        let bytes = try readFile(path: path, limit: limits.maxFileBytes)
        return try decode(bytes, name: path, limits: limits)
    }

    /// Decodes PNG bytes; `name` is used in error messages.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>",
                              limits: PNGLimits = PNGLimits()) throws(PNGError) -> PNGPicture {
        var image = omni_png_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { buffer in
            omni_png_decode(buffer.baseAddress, buffer.count, UInt64(max(limits.maxPixels, 0)), &image, &message, message.count)
        }
        defer { omni_png_image_free(&image) }
        let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

        switch status {
        case OMNI_PNG_OK:
            break
        case OMNI_PNG_NOT_PNG:
            throw .notPNG(file: name, looksLike: recognisedFormat(bytes))
        case OMNI_PNG_TRUNCATED:
            throw .truncated(file: name)
        case OMNI_PNG_TOO_LARGE:
            throw .tooLarge(file: name, width: Int(image.width), height: Int(image.height), limit: limits.maxPixels)
        case OMNI_PNG_INVALID_DIMENSIONS:
            throw .invalidDimensions(file: name, width: Int(image.width), height: Int(image.height))
        case OMNI_PNG_OUT_OF_MEMORY:
            throw .outOfMemory(file: name)
        default:
            throw .corrupt(file: name, detail: detail.isEmpty ? "rejected by libpng" : detail)
        }

        let width = Int(image.width), height = Int(image.height), channels = Int(image.channels)
        let pixelBytes = Array(UnsafeBufferPointer(start: image.pixels, count: width * height * channels))
        let pixels: PNGPicture.Pixels = channels == 4
            ? .rgba(RGBAImage(width: width, height: height, pixels: pixelBytes))
            : .rgb(RGBImage(width: width, height: height, pixels: pixelBytes))
        var texts: [PNGTextChunk] = []
        for index in 0 ..< Int(image.text_count) {
            let entry = image.texts[index]
            texts.append(PNGTextChunk(key: latin1String(entry.key), value: entry.is_utf8 != 0 ? utf8String(entry.text) : latin1String(entry.text)))
        }
        let format = PNGPicture.SourceFormat(colorType: Int(image.color_type), bitDepth: Int(image.bit_depth),
                                             interlaced: image.interlaced != 0)
        return PNGPicture(pixels: pixels, textChunks: texts, sourceFormat: format)
    }

    // MARK: - Helpers

    private static func cStringBytes(_ pointer: UnsafeMutablePointer<CChar>?) -> [UInt8] {
        guard let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
    }

    private static func latin1String(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        String(String.UnicodeScalarView(cStringBytes(pointer).map { Unicode.Scalar($0) }))
    }

    private static func utf8String(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        String(decoding: cStringBytes(pointer), as: UTF8.self)
    }

    /// Names a few formats people mistake for PNG, from their magic bytes.
    static func recognisedFormat(_ bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.count >= prefix.count && Array(bytes.prefix(prefix.count)) == prefix }
        if bytes.isEmpty { return "an empty file" }
        if starts([0xFF, 0xD8, 0xFF]) { return "a JPEG picture" }
        if starts(Array("GIF8".utf8)) { return "a GIF picture" }
        if starts(Array("RIFF".utf8)) && bytes.count >= 12 && Array(bytes[8 ..< 12]) == Array("WEBP".utf8) { return "a WebP picture" }
        if starts(Array("BM".utf8)) { return "a BMP picture" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "a TIFF picture" }
        if bytes.count >= 12 && Array(bytes[4 ..< 8]) == Array("ftyp".utf8) { return "an HEIF/AVIF picture" }
        return nil
    }

    /// Reads a whole file (pipes and devices too), refusing more than `limit` bytes.
    static func readFile(path: String, limit: Int) throws(PNGError) -> [UInt8] {
        do {
            return try FileIO.read(path, limit: limit, regularOnly: false)
        } catch {
            switch error {
            case let .tooLarge(_, bytes, limit): throw .fileTooLarge(file: path, bytes: bytes, limit: limit)
            case let .unreadable(_, reason), let .failed(_, reason): throw .unreadable(file: path, reason: reason)
            case .exists: throw .unreadable(file: path, reason: "exists")
            }
        }
    }
}
