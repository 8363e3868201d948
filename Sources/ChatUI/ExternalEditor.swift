import Foundation

/// Ctrl+G: the message being typed, edited in the user's own editor (`$VISUAL`, else `$EDITOR`,
/// else `vi`), as ollama, git and readline's `edit-and-execute` do.
public enum ExternalEditor {
    /// Why the editor gave nothing back.
    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String
    }

    /// The editor command the environment names (it may carry arguments, as `code -w` does).
    public static func command(environment: [String: String]) -> String {
        for name in ["VISUAL", "EDITOR"] {
            if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
        }
        return "vi"
    }

    /// Writes `text` to a private temporary file, runs `command` on it through the shell with the
    /// terminal as its input and output, and returns the file's text without its final newline.
    public static func edit(_ text: String, command: String) throws(Failure) -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("omnichat-edit-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        let file = directory.appendingPathComponent("message.md")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            try Data(text.utf8).write(to: file)
        } catch {
            throw Failure(description: "cannot write a file for the editor: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The path goes in as "$1", so no character in it is read by the shell.
        process.arguments = ["-c", command + " \"$1\"", "omnichat-editor", file.path]
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start the editor '\(command)': \(error.localizedDescription)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "the editor '\(command)' exited with status \(process.terminationStatus); the message is unchanged")
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw Failure(description: "the editor left no file behind; the message is unchanged")
        }
        var edited = String(decoding: data, as: UTF8.self)
        while edited.hasSuffix("\n") { edited.removeLast() }
        return edited
    }
}
