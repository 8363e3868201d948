import Foundation

/// A `/command` typed at the prompt.
public enum SlashCommand: Sendable, Equatable {
    case help
    case new
    case retry
    case undo
    case edit
    /// `/attach PATH`; `/attach` alone removes the attachment.
    case attach(String?)
    /// `/read PATH`: a text file's contents into the message being typed.
    case read(String)
    case saveImage(number: Int, path: String)
    case save(String?)
    case load(String)
    case export(format: String, path: String)
    /// `/set NAME VALUE`; `/set` alone lists the values.
    case set(name: String, value: String)
    case showSettings
    /// `/theme NAME`; `/theme` alone lists the themes.
    case theme(String?)
    case model(String)
    /// `/copy`: the last reply's text to the clipboard.
    case copy
    case quit

    /// Every command with its arguments, for /help and Tab.
    public static let usage: [(name: String, arguments: String, summary: String)] = [
        ("help", "", "keys and commands (also /?)"),
        ("new", "", "start a new conversation (also /clear)"),
        ("retry", "", "regenerate the last reply with the next seed (also /regen)"),
        ("undo", "", "drop the last exchange"),
        ("edit", "", "put your last message back in the input to change and resend"),
        ("attach", "PATH", "a PNG for your next message (also /image PATH; /attach alone removes it)"),
        ("image", "N save PATH", "save picture N as PNG"),
        ("read", "PATH", "put a text file's contents in your message, to edit and send"),
        ("save", "[PATH]", "save the conversation"),
        ("load", "PATH", "load a conversation"),
        ("export", "md|html PATH", "export the conversation"),
        ("set", "NAME VALUE", "temperature, top_p, top_k, greedy on|off, cfg_text, cfg_image, seed (/set alone shows them)"),
        ("theme", "NAME", "switch colours (/theme alone lists themes)"),
        ("model", "DIR", "talk to another model (starts a new conversation)"),
        ("copy", "", "copy the last reply's text to the clipboard (OSC 52, works over ssh)"),
        ("quit", "", "leave (also /exit, /bye, Ctrl+D on an empty prompt)"),
    ]

    /// Names `/set` accepts.
    public static let settingNames = ["temperature", "top_p", "top_k", "greedy", "cfg_text", "cfg_image", "seed"]

    /// Names and aliases, for completion.
    public static var names: [String] { usage.map(\.name) + ["exit", "clear", "regen"] }

    /// Parses `text` (which starts with "/"); the error is a one-line hint.
    public static func parse(_ text: String) -> Result<SlashCommand, CommandError> {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = trimmed.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace }).lowercased()
        let rest = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        let words = rest.split(whereSeparator: \.isWhitespace).map(String.init)
        func usageError() -> Result<SlashCommand, CommandError> {
            let entry = usage.first { $0.name == name }
            return .failure(CommandError("usage: /\(name) \(entry?.arguments ?? "")"))
        }
        switch name {
        case "help", "?": return rest.isEmpty ? .success(.help) : usageError()
        case "new", "clear": return rest.isEmpty ? .success(.new) : usageError()
        case "retry", "regen", "regenerate": return rest.isEmpty ? .success(.retry) : usageError()
        case "undo": return rest.isEmpty ? .success(.undo) : usageError()
        case "edit": return rest.isEmpty ? .success(.edit) : usageError()
        case "quit", "exit", "bye": return rest.isEmpty ? .success(.quit) : usageError()
        case "attach": return .success(.attach(rest.isEmpty ? nil : unquoted(rest)))
        case "image":
            // `/image PATH` attaches, as in llama.cpp; `/image N save PATH` saves picture N.
            if !rest.isEmpty, Int(words[0]) == nil { return .success(.attach(unquoted(rest))) }
            guard words.count >= 3, let number = Int(words[0]), words[1].lowercased() == "save" else { return usageError() }
            // Any whitespace separates the words, a Shift+Enter newline too.
            let path = rest.drop { !$0.isWhitespace }.trimmingCharacters(in: .whitespacesAndNewlines)
                .dropFirst(4).trimmingCharacters(in: .whitespacesAndNewlines)
            return path.isEmpty ? usageError() : .success(.saveImage(number: number, path: unquoted(path)))
        case "read": return rest.isEmpty ? usageError() : .success(.read(unquoted(rest)))
        case "save": return .success(.save(rest.isEmpty ? nil : unquoted(rest)))
        case "load": return rest.isEmpty ? usageError() : .success(.load(unquoted(rest)))
        case "export":
            guard words.count >= 2, ["md", "html"].contains(words[0].lowercased()) else { return usageError() }
            let path = rest.dropFirst(words[0].count).trimmingCharacters(in: .whitespacesAndNewlines)
            return .success(.export(format: words[0].lowercased(), path: unquoted(path)))
        case "set":
            if words.isEmpty { return .success(.showSettings) }
            guard words.count == 2 else { return usageError() }
            return .success(.set(name: words[0].lowercased(), value: words[1]))
        case "theme":
            guard words.count <= 1 else { return usageError() }
            return .success(.theme(words.first))
        case "model": return rest.isEmpty ? usageError() : .success(.model(unquoted(rest)))
        case "copy": return rest.isEmpty ? .success(.copy) : usageError()
        default:
            let suggestion = closestName(to: name).map { " Did you mean /\($0)?" } ?? ""
            return .failure(CommandError("unknown command /\(name).\(suggestion) Type /help for the list."))
        }
    }

    /// A path as typed: surrounding quotes removed, `\ ` (from drag and drop) made a space,
    /// `file://` URLs made paths.
    static func unquoted(_ text: String) -> String {
        var path = text
        if path.count >= 2, let first = path.first, first == "'" || first == "\"", path.last == first {
            path = String(path.dropFirst().dropLast())
        } else {
            path = path.replacingOccurrences(of: "\\ ", with: " ")
        }
        if path.hasPrefix("file://") {
            path = String(path.dropFirst(7)).removingPercentEncoding ?? String(path.dropFirst(7))
        }
        return path
    }

    /// The command name nearest to `name` (a prefix, or one or two letters off).
    static func closestName(to name: String) -> String? {
        closest(to: name, among: names)
    }

    /// The word of `candidates` nearest to `word`: one it starts, or one or two letters off.
    static func closest(to word: String, among candidates: [String]) -> String? {
        guard !word.isEmpty else { return nil }
        if let prefixed = candidates.first(where: { $0.hasPrefix(word) }) { return prefixed }
        let scored = candidates.map { ($0, editDistance(Array($0), Array(word))) }.min { $0.1 < $1.1 }
        return scored.flatMap { $0.1 <= 2 ? $0.0 : nil }
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0 ... b.count)
        for i in 1 ... max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

/// A command that could not be run, as a hint for the user.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
