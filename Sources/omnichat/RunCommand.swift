import ArgumentParser
import ChatUI
import Foundation
import HalfBlockRendering
import Imaging

/// `omnichat run`: plays user turns through the same conversation engine as the chat, without
/// the terminal interface, for scripts, evaluation and quick use.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Play user turns through the chat engine and print the replies.",
        discussion: """
            Turns come as arguments or, with --script, as JSON lines {"text": "...", "images": ["a.png"]} \
            (image paths relative to the script's folder; attached pictures go before the text), or \
            {"segments": [{"text": "..."}, {"image": "a.png"}]} in any order. A line with \
            "role": "assistant" is the assistant's turn as written: it replaces the reply the model \
            just gave (or follows a user line with "generate": false), so a script can hold a whole \
            conversation and have each turn answered from the written context. Each assistant \
            picture is written to --out as PNG. With --json one object per generated reply is printed: \
            {"turn": i, "text": "...", "images": [...], "token_ids": [...]} (i counts the turns: the \
            script's lines that are not blank, or the arguments); otherwise the text is printed and \
            pictures are drawn in half blocks (without colour into a file or pipe unless --colors \
            asks for them).
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @Option(name: .long, help: ArgumentHelp("Folder for the assistant's pictures (created if missing).", valueName: "DIR"))
    var out: String?
    @Flag(name: .long, help: "Print one JSON object per assistant turn.")
    var json = false
    @Option(name: .long, help: ArgumentHelp("User turns as JSON lines.", valueName: "FILE.jsonl"))
    var script: String?
    @Option(name: .long, help: "Most tokens per reply (a picture once begun is finished).")
    var maxTokens: Int = TurnPlayer.defaultMaxTokens
    @Option(name: .long, help: ArgumentHelp(
        "Colours of the half-block pictures: truecolor, 256, 16 or none (default: the terminal's; none into a file or pipe).",
        valueName: "MODE"))
    var colors: String?
    @Argument(help: "User turns, in order.")
    var turns: [String] = []

    func validate() throws {
        if script != nil && !turns.isEmpty { throw ValidationError("give turns as arguments or with --script, not both") }
        if script == nil && turns.isEmpty { throw ValidationError("no user turns: give them as arguments or with --script") }
        try validateColorsFlag(colors)
        if maxTokens <= 0 { throw ValidationError("--max-tokens must be positive") }
    }

    func run() async throws {
        let userTurns = try script.map { try ScriptTurn.load(path: $0) } ?? turns.map { ScriptTurn(text: $0, images: []) }
        var player = TurnPlayer(modelOptions: modelOptions, sampling: sampling, out: out, json: json, maxTokens: maxTokens)
        player.colorMode = colors.flatMap(ColorMode.init(rawValue:))
        try await player.play(userTurns)
    }
}

/// Draws pictures in half blocks for standard output, at most `maxColumns` wide and never wider
/// than the terminal.
struct PictureDrawer {
    static let maxColumns = 64
    let renderer: HalfBlockRenderer

    init(colorMode: ColorMode) {
        renderer = HalfBlockRenderer(colorMode: colorMode)
    }

    /// The colours for standard output: what the environment and the terminal's terminfo entry
    /// allow on a terminal, none into a file or a pipe (`--colors` asks for them there).
    static func defaultColorMode(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 isTerminal: Bool = isatty(STDOUT_FILENO) != 0) -> ColorMode {
        guard isTerminal else { return .monochrome }
        return TerminalDefaults.colorMode(environment: environment,
                                          terminfo: NcursesTerminal.terminfoColors(term: environment["TERM"] ?? ""))
    }

    func draw(_ picture: RGBImage) -> String {
        ANSISerializer.serialize(renderer.render(picture, columns: Self.columns(terminalColumns: standardOutputColumns(),
                                                                                pictureWidth: picture.width)))
    }

    /// The columns a picture `pictureWidth` pixels wide takes: the terminal's width (80 for a
    /// pipe), one column per pixel at most, and no more than `maxColumns`.
    static func columns(terminalColumns: Int?, pictureWidth: Int) -> Int {
        min(maxColumns, TerminalDefaults.columns(terminalColumns: terminalColumns, pictureWidth: pictureWidth))
    }
}
