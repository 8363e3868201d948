import ChatEngine
import FileIO
import Foundation

/// One line of an `omnichat run --script` file: a user turn to answer, or an assistant turn as
/// written.
///
///     {"text": "what colour is it?", "images": ["a.png"]}          pictures first, then the text
///     {"segments": [{"text": "draw this"}, {"image": "a.png"}]}   parts in the order given
///     {"role": "assistant", "segments": [{"text": "Here is picture 1: ..."}, {"image": "p1.png"}]}
///     {"text": "thanks", "generate": false}                        context only, no reply asked
struct ScriptTurn: Decodable, Equatable {
    enum Part: Equatable {
        case text(String)
        /// A PNG file's path.
        case image(String)
    }

    var role: ChatRole = .user
    var parts: [Part]
    /// For a user turn: whether the model answers it (false: the next line gives the answer).
    var generate = true

    init(text: String, images: [String]) {
        parts = Self.parts(text: text, images: images)
    }

    /// A user turn's parts as `text` and `images` give them: the pictures, then the text.
    static func parts(text: String, images: [String]) -> [Part] {
        images.map(Part.image) + (text.isEmpty ? [] : [.text(text)])
    }

    private enum CodingKeys: String, CodingKey { case role, text, images, segments, generate }
    private enum PartKeys: String, CodingKey { case text, image }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let roleName = try c.decodeIfPresent(String.self, forKey: .role) ?? "user"
        guard let role = ChatRole(rawValue: roleName), role == .user || role == .assistant else {
            throw DecodingError.dataCorruptedError(forKey: .role, in: c, debugDescription: "role must be user or assistant, not \(roleName)")
        }
        if c.contains(.segments) {
            guard !c.contains(.text) && !c.contains(.images) else {
                throw DecodingError.dataCorruptedError(forKey: .segments, in: c, debugDescription: "segments or text/images, not both")
            }
            var list = try c.nestedUnkeyedContainer(forKey: .segments)
            var parts: [Part] = []
            while !list.isAtEnd {
                let part = try list.nestedContainer(keyedBy: PartKeys.self)
                if let text = try part.decodeIfPresent(String.self, forKey: .text) {
                    parts.append(.text(text))
                } else {
                    parts.append(.image(try part.decode(String.self, forKey: .image)))
                }
            }
            self.parts = parts
        } else {
            parts = Self.parts(text: try c.decodeIfPresent(String.self, forKey: .text) ?? "",
                               images: try c.decodeIfPresent([String].self, forKey: .images) ?? [])
        }
        self.role = role
        generate = try c.decodeIfPresent(Bool.self, forKey: .generate) ?? true
    }

    /// Reads JSON lines; image paths are resolved against the script's folder.
    static func load(path: String) throws -> [ScriptTurn] {
        let url = URL(fileURLWithPath: path)
        // Pipes are welcome (--script /dev/stdin), up to a size no conversation reaches.
        let data: [UInt8]
        do { data = try FileIO.read(url.path, limit: 64 << 20, regularOnly: false) } catch {
            throw CLIError("\(path): cannot read script: \(error.reason)")
        }
        let folder = url.deletingLastPathComponent()
        var turns: [ScriptTurn] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            var turn: ScriptTurn
            do { turn = try JSONDecoder().decode(ScriptTurn.self, from: Data(trimmed.utf8)) } catch {
                throw CLIError("\(path):\(number + 1): not a turn object {\"text\": ..., \"images\": [...]} or {\"segments\": [...]}")
            }
            turn.parts = turn.parts.map { part in
                guard case .image(let image) = part, !image.hasPrefix("/") else { return part }
                return .image(folder.appendingPathComponent(image).path)
            }
            if turn.parts.isEmpty { throw CLIError("\(path):\(number + 1): empty turn") }
            if turn.role == .assistant && !turn.generate { throw CLIError("\(path):\(number + 1): \"generate\" is for user turns") }
            turns.append(turn)
        }
        guard !turns.isEmpty else { throw CLIError("\(path): no turns") }
        return turns
    }
}
