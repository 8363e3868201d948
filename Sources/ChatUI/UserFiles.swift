import Foundation

/// The XDG base directories (also used on macOS, as users of terminal tools expect):
/// configuration (themes), state (input history), data (conversations), cache (picture
/// preview tables).
public struct XDGDirectories: Sendable, Equatable {
    public var config: URL
    public var state: URL
    public var data: URL
    public var cache: URL

    /// From `XDG_CONFIG_HOME`, `XDG_STATE_HOME`, `XDG_DATA_HOME` and `XDG_CACHE_HOME`, each falling back to its
    /// default under `HOME` when unset, empty or not absolute (as the specification says).
    public init(environment: [String: String]) {
        let home = URL(fileURLWithPath: environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory())
        func directory(_ variable: String, _ fallback: String) -> URL {
            if let value = environment[variable], value.hasPrefix("/") { return URL(fileURLWithPath: value) }
            return home.appendingPathComponent(fallback)
        }
        config = directory("XDG_CONFIG_HOME", ".config").appendingPathComponent("omnichat")
        state = directory("XDG_STATE_HOME", ".local/state").appendingPathComponent("omnichat")
        data = directory("XDG_DATA_HOME", ".local/share").appendingPathComponent("omnichat")
        cache = directory("XDG_CACHE_HOME", ".cache").appendingPathComponent("omnichat")
    }

    /// The user's defaults for the chat (`ConfigFile`).
    public var configFile: URL { config.appendingPathComponent("config.toml") }
    /// Where user themes go.
    public var themes: URL { config.appendingPathComponent("themes") }
    /// The input history file.
    public var history: URL { state.appendingPathComponent("history") }
}

/// Why the history file could not be written.
public struct HistoryError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// The input history on disk: one message per line, each written as a JSON string so that
/// multi-line messages stay one line. Reading never fails (an unreadable file or line is
/// skipped: history is a convenience, never a reason not to start).
public struct HistoryFile: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// The most bytes `load` reads: the end of a longer file (the file only grows).
    public static let maxLoadBytes = 16 << 20

    /// The last `InputHistory.limit` messages, oldest first. Only a regular file is read (a named
    /// pipe there would block the start), and of a file larger than `maxLoadBytes` only its end.
    public func load() -> [String] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              attributes[.type] as? FileAttributeType == .typeRegular,
              let handle = FileHandle(forReadingAtPath: url.path) else { return [] }
        defer { try? handle.close() }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let skipped = max(0, size - Self.maxLoadBytes)
        guard (try? handle.seek(toOffset: UInt64(skipped))) != nil,
              let data = try? handle.read(upToCount: Self.maxLoadBytes) else { return [] }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if skipped > 0 { lines.removeFirst() }  // the part of a line cut by the skip
        return lines.filter { !$0.isEmpty }.suffix(InputHistory.limit).compactMap { line in
            try? JSONDecoder().decode(String.self, from: Data(line.utf8))
        }
    }

    /// Appends one message, creating the directory and file as needed.
    public func append(_ text: String) throws(HistoryError) {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw HistoryError(path: directory.path, reason: "cannot create the directory")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard let encoded = try? encoder.encode(text) else { throw HistoryError(path: url.path, reason: "cannot encode the entry") }
        let line = encoded + Data("\n".utf8)
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw HistoryError(path: url.path, reason: "cannot create the file")
            }
        }
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            throw HistoryError(path: url.path, reason: "cannot write (\(error.localizedDescription))")
        }
    }
}

/// File names that complete a partly typed path, for Tab: directories end in "/". A leading
/// `~` stands for the home directory; hidden files show only when the name typed starts with ".".
public enum PathCompletion {
    public static func candidates(for typed: String, home: String = NSHomeDirectory(), limit: Int = 200) -> [String] {
        let expanded = typed.hasPrefix("~") ? home + typed.dropFirst() : typed
        let directoryPart: String
        let namePrefix: String
        if let slash = expanded.lastIndex(of: "/") {
            directoryPart = String(expanded[...slash])
            namePrefix = String(expanded[expanded.index(after: slash)...])
        } else {
            directoryPart = ""
            namePrefix = expanded
        }
        let listed = directoryPart.isEmpty ? "." : directoryPart
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: listed) else { return [] }
        let typedDirectory = String(typed.dropLast(namePrefix.count))
        return names.filter { $0.hasPrefix(namePrefix) && (namePrefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .sorted()
            .prefix(limit)
            .map { name in
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: (listed as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
                return typedDirectory + name + (isDirectory.boolValue ? "/" : "")
            }
    }
}
