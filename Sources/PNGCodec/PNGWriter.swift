import CPNGShim
import FileIO
import Imaging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes 8-bit RGB PNG files with text chunks (for example the prompt, model and seed of a
/// generated picture).
///
/// ```swift
/// try PNGWriter.write(picture, to: "out.png", text: [("prompt", "a red house"), ("seed", "42")])
/// ```
///
/// Text goes into tEXt chunks when key and value are ASCII, and into uncompressed iTXt (UTF-8)
/// chunks otherwise, so any prompt survives. Keys must be 1–79 printable Latin-1 characters
/// without leading, trailing or doubled spaces (the PNG rule).
public enum PNGWriter {
    /// The PNG file's bytes.
    public static func encode(_ image: RGBImage, text: [(key: String, value: String)] = [],
                              name: String = "<memory>") throws(PNGError) -> [UInt8] {
        guard image.width > 0 && image.height > 0 && image.width <= Int(Int32.max) && image.height <= Int(Int32.max) else {
            throw .invalidDimensions(file: name, width: image.width, height: image.height)
        }
        var chunks: [(key: [CChar], value: [CChar], utf8: Bool)] = []
        for (key, value) in text {
            let keyBytes = try validatedKey(key, file: name)
            guard !value.unicodeScalars.contains("\0") else {
                throw .invalidText(file: name, key: key, reason: "the value contains a NUL character")
            }
            let ascii = key.unicodeScalars.allSatisfy(\.isASCII) && value.unicodeScalars.allSatisfy(\.isASCII)
            chunks.append((keyBytes.map { CChar(bitPattern: $0) } + [0],
                           Array(value.utf8).map { CChar(bitPattern: $0) } + [0], !ascii))
        }

        var output: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = withTextInputs(chunks) { inputs in
            image.pixels.withUnsafeBufferPointer { pixels in
                omni_png_encode_rgb(pixels.baseAddress, UInt32(image.width), UInt32(image.height),
                                    inputs.baseAddress, Int32(inputs.count), &output, &size, &message, message.count)
            }
        }
        defer { omni_png_buffer_free(output) }
        guard status == OMNI_PNG_OK, let output else {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if status == OMNI_PNG_OUT_OF_MEMORY { throw .outOfMemory(file: name) }
            throw .writeFailed(file: name, reason: detail.isEmpty ? "libpng refused the picture" : detail)
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Encodes and writes atomically: the bytes go to a temporary file in the same directory,
    /// which is flushed to disk and then moved to `path`. A reader never sees half a file, and a
    /// failed write leaves any earlier file untouched. Without `replacing`, an existing file is
    /// never overwritten: `.exists` is thrown instead.
    public static func write(_ image: RGBImage, to path: String, text: [(key: String, value: String)] = [],
                             replacing: Bool = true) throws(PNGError) {
        let bytes = try encode(image, text: text, name: path)
        do {
            try FileIO.write(bytes, to: path, replacing: replacing)
        } catch {
            switch error {
            case .exists: throw .exists(file: path)
            case let .failed(_, reason), let .unreadable(_, reason): throw .writeFailed(file: path, reason: reason)
            case let .tooLarge(_, bytes, limit): throw .writeFailed(file: path, reason: "\(bytes) bytes above \(limit)")
            }
        }
    }

    // MARK: - Helpers

    /// The key as Latin-1 bytes, checked against the PNG keyword rules.
    static func validatedKey(_ key: String, file: String) throws(PNGError) -> [UInt8] {
        let scalars = Array(key.unicodeScalars)
        guard (1 ... 79).contains(scalars.count) else {
            throw .invalidText(file: file, key: key, reason: "keys must be 1 to 79 characters long")
        }
        for scalar in scalars where !((32 ... 126).contains(scalar.value) || (161 ... 255).contains(scalar.value)) {
            throw .invalidText(file: file, key: key, reason: "keys may only hold printable Latin-1 characters, not U+\(String(scalar.value, radix: 16, uppercase: true))")
        }
        if scalars.first == " " || scalars.last == " " || key.contains("  ") {
            throw .invalidText(file: file, key: key, reason: "keys may not start or end with a space or hold two spaces in a row")
        }
        return scalars.map { UInt8($0.value) }
    }

    private static func withTextInputs<R>(_ chunks: [(key: [CChar], value: [CChar], utf8: Bool)],
                                          _ body: (UnsafeBufferPointer<omni_png_text_input>) -> R) -> R {
        // Pin every C string for the duration of the call.
        func pin(_ index: Int, _ inputs: [omni_png_text_input]) -> R {
            if index == chunks.count { return inputs.withUnsafeBufferPointer(body) }
            return chunks[index].key.withUnsafeBufferPointer { key in
                chunks[index].value.withUnsafeBufferPointer { value in
                    pin(index + 1, inputs + [omni_png_text_input(key: key.baseAddress, text: value.baseAddress,
                                                                 is_utf8: chunks[index].utf8 ? 1 : 0)])
                }
            }
        }
        return pin(0, [])
    }
}
