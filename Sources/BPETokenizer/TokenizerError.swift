/// Why a `tokenizer.json` could not be loaded.
///
/// Every case names the file; `description` is one line suitable for a terminal.
public enum TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file could not be read at all (missing, permissions, I/O error).
    case unreadable(path: String, reason: String)
    /// The file is not valid JSON, or a field has the wrong shape or an impossible value.
    case malformed(path: String, reason: String)
    /// The file is well formed but asks for something this implementation does not do.
    case unsupported(path: String, feature: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read tokenizer: \(reason)"
        case .malformed(let path, let reason): "\(path): malformed tokenizer: \(reason)"
        case .unsupported(let path, let feature): "\(path): unsupported tokenizer feature: \(feature)"
        }
    }
}
