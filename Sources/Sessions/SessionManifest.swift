import Foundation

/// The JSON manifest of a saved session (`session.json`), version 1. The README's "Session
/// format" section documents every field; this type is its exact shape.
///
/// A picture is stored as its VQ codes (the truth the model sees) and, when a decoder was
/// available at save time, as a PNG beside the manifest (`file`; `null` when omitted).
public struct SessionManifest: Codable, Sendable, Equatable {
    /// Value of `"format"`: tells a session manifest from any other JSON.
    public static let formatName = "omnichat-session"
    /// The version this build writes, and the newest it reads.
    public static let currentVersion = 1
    /// The manifest's file name inside a session directory.
    public static let fileName = "session.json"

    public var format: String
    public var version: Int
    /// The session's id (also its directory name when the session was created).
    public var id: String
    public var created: Date
    public var updated: Date
    /// A short title: the first line of the first user message.
    public var title: String
    public var model: ModelIdentity
    public var sampling: SessionSampling
    /// The exact token ids before the first turn (the format's `begin`, usually `<s>`).
    public var beginningTokenIDs: [Int]
    public var turns: [Turn]

    enum CodingKeys: String, CodingKey {
        case format, version, id, created, updated, title, model, sampling, turns
        case beginningTokenIDs = "beginning_token_ids"
    }

    public init(id: String, created: Date, updated: Date, title: String, model: ModelIdentity,
                sampling: SessionSampling, beginningTokenIDs: [Int], turns: [Turn]) {
        format = Self.formatName
        version = Self.currentVersion
        self.id = id
        self.created = created
        self.updated = updated
        self.title = title
        self.model = model
        self.sampling = sampling
        self.beginningTokenIDs = beginningTokenIDs
        self.turns = turns
    }

    /// One message of the conversation with its exact token ids.
    public struct Turn: Codable, Sendable, Equatable {
        public var role: Role
        /// False for old turns the chat dropped from the model's context when it filled: they
        /// are kept for reading and export, and are not restored into the model on resume.
        public var inContext: Bool
        public var segments: [Segment]
        /// The exact ids of the turn as the model saw them (role prefix, segments, closing token).
        public var tokenIDs: [Int]

        enum CodingKeys: String, CodingKey {
            case role, segments
            case inContext = "in_context", tokenIDs = "token_ids"
        }

        public init(role: Role, inContext: Bool, segments: [Segment], tokenIDs: [Int]) {
            self.role = role
            self.inContext = inContext
            self.segments = segments
            self.tokenIDs = tokenIDs
        }
    }

    public enum Role: String, Codable, Sendable, Equatable {
        case user, assistant
    }

    /// A piece of a turn: `{"type": "text", "text": …}` or
    /// `{"type": "picture", "codes": […], "file": "picture-….png" | null}`.
    public enum Segment: Codable, Sendable, Equatable {
        case text(String)
        /// `file` is nil when no picture decoder was available when it was saved.
        case picture(codes: [Int], file: String?)

        enum CodingKeys: String, CodingKey { case type, text, codes, file }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "text":
                self = .text(try container.decode(String.self, forKey: .text))
            case "picture":
                self = .picture(codes: try container.decode([Int].self, forKey: .codes),
                                file: try container.decodeIfPresent(String.self, forKey: .file))
            default:
                throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                       debugDescription: "unknown segment type \"\(type)\" (expected \"text\" or \"picture\")")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text(let text):
                try container.encode("text", forKey: .type)
                try container.encode(text, forKey: .text)
            case .picture(let codes, let file):
                try container.encode("picture", forKey: .type)
                try container.encode(codes, forKey: .codes)
                try container.encode(file, forKey: .file)  // null records an omitted PNG
            }
        }
    }
}

/// Which model a session was made with: enough to find it again and to tell whether another
/// model can continue it exactly.
public struct ModelIdentity: Codable, Sendable, Equatable {
    /// The model directory's absolute path when the session was made.
    public var directory: String
    /// The directory's name (`builtin`, `anole-7b`...).
    public var name: String
    /// SHA-256 of `config.json` and of `tokenizer.json`, lower-case hex.
    public var configSHA256: String
    public var tokenizerSHA256: String
    /// The model's vocabulary size: every token id is below it.
    public var vocabularySize: Int
    /// The VQ codebook size: every picture code is below it.
    public var codebookSize: Int
    /// Codes in one picture.
    public var codesPerPicture: Int
    /// The model's context length in tokens.
    public var contextLength: Int

    enum CodingKeys: String, CodingKey {
        case directory, name
        case configSHA256 = "config_sha256", tokenizerSHA256 = "tokenizer_sha256"
        case vocabularySize = "vocab_size", codebookSize = "codebook_size"
        case codesPerPicture = "codes_per_picture", contextLength = "context_length"
    }

    public init(directory: String, name: String, configSHA256: String, tokenizerSHA256: String,
                vocabularySize: Int, codebookSize: Int, codesPerPicture: Int, contextLength: Int) {
        self.directory = directory
        self.name = name
        self.configSHA256 = configSHA256
        self.tokenizerSHA256 = tokenizerSHA256
        self.vocabularySize = vocabularySize
        self.codebookSize = codebookSize
        self.codesPerPicture = codesPerPicture
        self.contextLength = contextLength
    }
}
