/// Everything that can go wrong reading or writing a PNG file. Each description is one line that
/// starts with the file's path.
public enum PNGError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read (missing, a directory, no permission...).
    case unreadable(file: String, reason: String)
    /// The file is bigger than the reader accepts (`PNGLimits.maxFileBytes`).
    case fileTooLarge(file: String, bytes: Int, limit: Int)
    /// The data does not start with the PNG signature; `looksLike` names a recognised other format.
    case notPNG(file: String, looksLike: String?)
    /// The file ends before the PNG does.
    case truncated(file: String)
    /// libpng rejected the data: bad CRC, bad compressed data, invalid header, missing chunk...
    case corrupt(file: String, detail: String)
    /// The header declares more pixels than allowed (`PNGLimits.maxPixels`); refused before any
    /// pixel memory is allocated.
    case tooLarge(file: String, width: Int, height: Int, limit: Int)
    /// The header declares a zero width or height.
    case invalidDimensions(file: String, width: Int, height: Int)
    case outOfMemory(file: String)
    /// A text chunk cannot be written with this key or value.
    case invalidText(file: String, key: String, reason: String)
    /// The file could not be written or moved into place.
    case writeFailed(file: String, reason: String)
    /// The file exists and the write was not allowed to replace it.
    case exists(file: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .fileTooLarge(file, bytes, limit):
            return "\(file): file is \(bytes) bytes, above the limit of \(limit) bytes for a PNG"
        case let .notPNG(file, looksLike):
            return "\(file): not a PNG file" + (looksLike.map { " (it looks like \($0))" } ?? "")
        case let .truncated(file):
            return "\(file): PNG file is truncated"
        case let .corrupt(file, detail):
            return "\(file): corrupt PNG: \(detail)"
        case let .tooLarge(file, width, height, limit):
            return "\(file): picture is \(width)x\(height) (\(width * height) pixels), above the limit of \(limit) pixels"
        case let .invalidDimensions(file, width, height):
            return "\(file): PNG header declares an invalid size \(width)x\(height)"
        case let .outOfMemory(file):
            return "\(file): out of memory while decoding the PNG"
        case let .invalidText(file, key, reason):
            return "\(file): cannot write text chunk '\(key)': \(reason)"
        case let .writeFailed(file, reason):
            return "\(file): cannot write: \(reason)"
        case let .exists(file):
            return "\(file): already exists; choose another name"
        }
    }
}
