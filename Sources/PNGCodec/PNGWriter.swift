import CPNGShim
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
    /// which is flushed to disk and then renamed over `path`. A reader never sees half a file,
    /// and a failed write leaves any earlier file untouched.
    public static func write(_ image: RGBImage, to path: String,
                             text: [(key: String, value: String)] = []) throws(PNGError) {
        let bytes = try encode(image, text: text, name: path)
        try writeAtomically(bytes, to: path)
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

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(PNGError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(base).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp"

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw .writeFailed(file: path, reason: errnoDescription()) }
        var failure: String? = nil
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = posixWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errnoDescription()
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = errnoDescription() }
        if close(descriptor) != 0 && failure == nil { failure = errnoDescription() }
        if failure == nil && rename(temporary, path) != 0 { failure = errnoDescription() }
        if let failure {
            unlink(temporary)
            throw .writeFailed(file: path, reason: failure)
        }
    }
}
