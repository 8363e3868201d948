import FileIO
import Foundation

/// Reads a text file the user names (`/read PATH`) for the message being typed.
public enum TextFileReader {
    /// Files larger than this are refused: a message that long would not fit any context.
    public static let defaultLimit = 1 << 20

    /// The file's text, with CRLF and lone CR line ends made LF and one final line end dropped.
    /// Throws when the file is missing, a directory, unreadable, larger than `limit` bytes, or not
    /// text (invalid UTF-8, or a NUL byte, as binary files have).
    public static func read(path: String, limit: Int = defaultLimit) throws(TextFileError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .notFound(path) }
        guard !isDirectory.boolValue else { throw .isDirectory(path) }
        // A named pipe or a device is refused at once rather than waited on.
        let data: [UInt8]
        do {
            data = try FileIO.read(path, limit: limit)
        } catch .tooLarge {
            throw .tooLarge(path, limit: limit)
        } catch {
            throw .unreadable(path)
        }
        guard !data.contains(0), let text = String(bytes: data, encoding: .utf8) else { throw .notText(path) }
        var normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if normalized.hasSuffix("\n") { normalized.removeLast() }
        return normalized
    }
}

/// Why a text file could not be read, as one line for the user.
public enum TextFileError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case isDirectory(String)
    case unreadable(String)
    case tooLarge(String, limit: Int)
    case notText(String)

    public var description: String {
        switch self {
        case .notFound(let path): "no such file: \(path)"
        case .isDirectory(let path): "\(path) is a directory"
        case .unreadable(let path): "cannot read \(path) (permissions?)"
        case .tooLarge(let path, let limit): "\(path) is larger than \(limit / 1024) KB"
        case .notText(let path): "\(path) is not UTF-8 text"
        }
    }
}
