/// Everything that can go wrong listing, loading, resuming, saving or exporting a session. Each
/// description is one line that names the file (or session) and the problem.
public enum SessionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be read (missing, a directory, no permission...).
    case unreadable(path: String, reason: String)
    /// The manifest is bigger than a session may be (`SessionLimits.maxManifestBytes`).
    case tooLarge(path: String, bytes: Int, limit: Int)
    /// The pictures an export would read hold more than the export's limit.
    case picturesTooLarge(path: String, bytes: Int, limit: Int)
    /// The manifest is not JSON, or is cut short.
    case malformedJSON(path: String, detail: String)
    /// The JSON is not an omnichat session manifest (no `"format": "omnichat-session"`).
    case notASession(path: String)
    /// The session was written by a later omnichat; it is never touched.
    case newerVersion(path: String, version: Int, supported: Int)
    /// The version field is not one this build ever wrote.
    case unsupportedVersion(path: String, version: Int)
    /// A field is missing, has the wrong type or an impossible value; `field` is its JSON path.
    case invalidField(path: String, field: String, reason: String)
    /// A picture file the manifest names is missing or not a plain file.
    case missingPicture(path: String, file: String)
    /// A session directory holds no manifest (nothing was ever saved in it).
    case notASessionDirectory(path: String)
    /// No saved session matches the reference.
    case noSuchSession(reference: String, directory: String)
    /// Several sessions start with the reference.
    case ambiguousSession(reference: String, matches: [String])
    /// The stored token ids do not say what the stored text says; `turn` is −1 for the
    /// beginning ids.
    case inconsistentTokens(path: String, turn: Int, reason: String)
    /// The session was made with another model; `detail` says what differs and how to proceed.
    case modelMismatch(path: String, detail: String)
    /// The conversation is longer than the model's context.
    case doesNotFit(path: String, tokens: Int, context: Int)
    /// A file could not be written, synced or moved into place.
    case writeFailed(path: String, reason: String)
    /// Another omnichat process is writing this session.
    case sessionInUse(path: String)
    /// An export target exists and `--force` was not given.
    case outputExists(path: String)
    /// The data directory cannot be used.
    case dataDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            "\(path): cannot read: \(reason)"
        case let .tooLarge(path, bytes, limit):
            "\(path): session manifest is \(bytes) bytes, above the limit of \(limit) bytes"
        case let .picturesTooLarge(path, bytes, limit):
            "\(path): the session's pictures hold more than \(limit) bytes (\(bytes) read so far), too many to export"
        case let .malformedJSON(path, detail):
            "\(path): not valid JSON (\(detail))"
        case let .notASession(path):
            "\(path): not an omnichat session (no \"format\": \"\(SessionManifest.formatName)\")"
        case let .newerVersion(path, version, supported):
            "\(path): made by a newer omnichat (session format version \(version); this build reads up to \(supported)); left untouched"
        case let .unsupportedVersion(path, version):
            "\(path): session format version \(version) is not one omnichat ever wrote"
        case let .invalidField(path, field, reason):
            "\(path): \(field): \(reason)"
        case let .missingPicture(path, file):
            "\(path): picture file \"\(file)\" is missing or not a regular file"
        case let .notASessionDirectory(path):
            "\(path): not a saved session (no \(SessionManifest.fileName))"
        case let .noSuchSession(reference, directory):
            "no saved session \"\(reference)\" in \(directory)"
        case let .ambiguousSession(reference, matches):
            "\"\(reference)\" matches several sessions: \(matches.joined(separator: ", "))"
        case let .inconsistentTokens(path, turn, reason):
            turn < 0 ? "\(path): beginning_token_ids: \(reason)"
                : "\(path): turns[\(turn)]: the token ids do not match the stored turn: \(reason)"
        case let .modelMismatch(path, detail):
            "\(path): \(detail)"
        case let .doesNotFit(path, tokens, context):
            "\(path): the conversation holds \(tokens) tokens, more than the model's context of \(context)"
        case let .writeFailed(path, reason):
            "\(path): cannot write: \(reason)"
        case let .sessionInUse(path):
            "\(path): another omnichat is saving this session"
        case let .outputExists(path):
            "\(path): already exists; pass --force to overwrite it"
        case let .dataDirectory(path, reason):
            "\(path): cannot use the data directory: \(reason)"
        }
    }
}

/// Sizes a session may not exceed, so a hostile or damaged file cannot exhaust memory.
public enum SessionLimits {
    /// Largest manifest read (a session of a hundred pictures is about 2 MB).
    public static let maxManifestBytes = 256 << 20
}
