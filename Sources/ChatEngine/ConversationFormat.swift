import FileIO
import Foundation
import ModelConfiguration

/// How a conversation becomes one token sequence, read from `conversation.json` in the model
/// directory so each checkpoint declares its own.
///
/// Pieces are strings that may name special tokens (`<reserved08706>`); they are tokenised
/// without adding `<s>`. The sequence is `begin`, then for each turn `prefix + segments + suffix`
/// of its role, where a picture segment is `begin_image + codes + end_image`. Generation of an
/// assistant turn stops at any token of `stop`.
///
/// Without the file, Chameleon/Anole's own convention applies: no role markers, every turn ends
/// with `<reserved08706>`, and `</s>` also stops a reply.
public struct ConversationFormat: Codable, Sendable, Equatable {
    public struct RolePieces: Codable, Sendable, Equatable {
        public var prefix: String
        public var suffix: String
        public init(prefix: String = "", suffix: String = "<reserved08706>") {
            self.prefix = prefix
            self.suffix = suffix
        }
    }

    /// The only version this build reads.
    public static let supportedVersion = 1
    public static let fileName = "conversation.json"

    public var version: Int
    public var begin: String
    public var user: RolePieces
    public var assistant: RolePieces
    public var beginImage: String
    public var endImage: String
    public var endOfSequence: String
    public var stop: [String]

    enum CodingKeys: String, CodingKey {
        case version, begin, user, assistant, stop
        case beginImage = "begin_image", endImage = "end_image", endOfSequence = "end_of_sequence"
    }

    /// Chameleon and Anole's convention (`[<s>] + text + [<reserved08706>]`, as Anole's
    /// text-to-image and interleaved scripts build prompts).
    public static let chameleonDefault = ConversationFormat(
        version: 1, begin: "<s>", user: RolePieces(), assistant: RolePieces(),
        beginImage: "<racm3:break>", endImage: "<eoss>", endOfSequence: "</s>",
        stop: ["<reserved08706>", "</s>"])

    public init(version: Int, begin: String, user: RolePieces, assistant: RolePieces, beginImage: String,
                endImage: String, endOfSequence: String, stop: [String]) {
        self.version = version
        self.begin = begin
        self.user = user
        self.assistant = assistant
        self.beginImage = beginImage
        self.endImage = endImage
        self.endOfSequence = endOfSequence
        self.stop = stop
    }

    /// The format of the model in `directory`: its `conversation.json`, or the Chameleon default.
    public static func load(directory: URL) throws -> ConversationFormat {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return .chameleonDefault }
        let format: ConversationFormat
        do {
            format = try JSONDecoder().decode(ConversationFormat.self, from: Data(FileIO.read(url.path, limit: 1 << 20)))
        } catch let error as DecodingError {
            throw ConversationFormatError(path: url.path, reason: describeDecodingError(error))
        } catch let error as FileIOError {
            throw ConversationFormatError(path: url.path, reason: error.reason)
        } catch {
            throw ConversationFormatError(path: url.path, reason: "cannot read file")
        }
        guard format.version == supportedVersion else {
            throw ConversationFormatError(path: url.path, reason: "version \(format.version) is not supported (this build reads version \(supportedVersion))")
        }
        guard !format.stop.isEmpty else {
            throw ConversationFormatError(path: url.path, reason: "\"stop\" must name at least one token")
        }
        return format
    }
}

/// Why `conversation.json` could not be used.
public struct ConversationFormatError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
