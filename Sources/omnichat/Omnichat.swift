import ArgumentParser

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
    static func main() async {
        await main(SessionOptions.normalizingBareResume(Array(CommandLine.arguments.dropFirst())))
    }
}
