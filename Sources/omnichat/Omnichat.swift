import ArgumentParser
import ChatUI
import Foundation

/// The `omnichat` command: a terminal chat with an omnimodal model, plus subcommands for
/// scripts, checks and benchmarks.
@main
struct Omnichat: AsyncParsableCommand {
    /// The release, printed by `omnichat --version`.
    static let version = "omnichat 0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "omnichat",
        abstract: "Chat with an omnimodal (text and picture) model at the terminal.",
        version: version,
        subcommands: [ChatCommand.self, CompleteCommand.self, TokenizeCommand.self, DetokenizeCommand.self, BenchCommand.self, ShowCommand.self,
                      VQCommand.self, RunCommand.self, SessionsCommand.self, ExportCommand.self, SessionStressCommand.self],
        defaultSubcommand: ChatCommand.self
    )

    /// A bare `--resume` (no session named) means the latest session; ArgumentParser has no
    /// options with an optional value, so the arguments are adjusted before parsing.
    ///
    /// Errors are printed as ArgumentParser prints them, but made safe for the terminal first:
    /// they may quote a path, a session's model name or a tokenizer's token, all of which come
    /// from files and could hold escape sequences.
    static func main() async {
        do {
            var command = try parseAsRoot(SessionOptions.normalizingBareResume(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
            } else if !message.isEmpty {
                FileHandle.standardError.write(Data((TerminalText.safe(message) + "\n").utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
