import ArgumentParser
import ChameleonModel
import ChatUI
import Foundation
import HalfBlockRendering
import Imaging
import PNGCodec
import Sessions

/// `omnichat` (or `omnichat chat`): the terminal chat.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat in the terminal (what `omnichat` runs without a subcommand).",
        discussion: """
            Keys: Enter sends, Alt+Enter or Ctrl+J adds a line, Esc or Ctrl+C stops a reply, Ctrl+D \
            on an empty prompt quits; /help in the chat lists commands and keys. Themes are read from \
            $XDG_CONFIG_HOME/omnichat/themes, then the themes that ship with omnichat. Input history \
            is kept in $XDG_STATE_HOME/omnichat/history (--no-history or OMNICHAT_HISTORY=off to keep \
            none). Colours follow NO_COLOR, COLORTERM, TERM and its terminfo entry (colors, RGB) \
            unless --colors says otherwise. Without --theme, OMNICHAT_THEME or a theme in the config \
            file, the theme follows the terminal's background (asked with OSC 11): light or dark. When \
            standard input is not a terminal (`echo "draw a red circle" | omnichat`), all of it is one \
            message and the reply is printed as `omnichat run` prints it, without a session (so \
            --resume is refused there).
            """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .long, help: ArgumentHelp("Colour theme: dark, light, high-contrast, a user theme, or a .toml path (default: $OMNICHAT_THEME, the config file's, else light or dark to suit the terminal's background).", valueName: "NAME"))
    var theme: String?
    @Option(name: .long, help: ArgumentHelp("Colour depth: truecolor, 256, 16 or none (default: from the environment).", valueName: "MODE"))
    var colors: String?
    @Flag(name: .long, help: "Keep no input history.") var noHistory = false
    @OptionGroup var sessionOptions: SessionOptions
    @OptionGroup var sampling: SamplingOptions

    func validate() throws {
        try validateColorsFlag(colors)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let directories = XDGDirectories(environment: environment)
        let config = try ChatSettings(file: directories.configFile, environment: environment, modelOptions: modelOptions)
        let modelOptions = config.modelOptions
        if isatty(STDIN_FILENO) == 0 {
            if let resume = sessionOptions.resume {
                throw CLIError("--resume \(resume) needs the chat on a terminal: piped input is one message answered "
                               + "without a session (omnichat run --script FILE plays a whole conversation)")
            }
            try await answerPipedMessage(modelOptions: modelOptions, configuredSampling: config.sampling,
                                         configuredColors: config.file.colors)
            return
        }
        // Checked before the model loads (seconds for a big one) rather than when curses starts.
        if isatty(STDOUT_FILENO) == 0 {
            throw CLIError("the chat needs a terminal on standard output; to keep replies in a file, pipe the message in "
                           + "(echo \"draw a red circle\" | omnichat > out.txt) or use omnichat run")
        }
        let catalog = ThemeCatalog(userDirectory: directories.themes, builtInDirectory: BuiltInThemes.directory)
        // The terminal is asked whether it speaks the kitty keyboard protocol and, with no theme
        // asked for, its background, which picks one; keys typed while it answers are handed on
        // to the chat.
        let askedTheme = theme ?? environment["OMNICHAT_THEME"].flatMap({ $0.isEmpty ? nil : $0 }) ?? config.file.theme
        let probe = TerminalProbe.run(askingBackground: askedTheme == nil)
        let chosenTheme = try catalog.load(askedTheme ?? Self.themeName(forBackground: probe.background))

        let directory = try modelOptions.directory()
        var options = GenerationOptions(modelDefaults: try GenerationDefaults.load(directory: directory))
        config.sampling?.apply(to: &options)
        sampling.apply(to: &options)
        // Converting a big checkpoint's weights (say to q4) takes a while: say that it is happening.
        printError("omnichat: loading \(directory.path)" + (modelOptions.weights.map { " (weights held as \($0.rawValue), converted on load)" } ?? ""))
        let cache = directories.cache
        let weightFormat = modelOptions.weights, mapWeights = !modelOptions.noMmap
        /// Loads a model with its picture codec; `verbose` notes slow steps on standard error
        /// (only before the chat takes over the terminal).
        func modelLoader(verbose: Bool) -> ModelLoader {
            { directory, options, progress in
                // Counted on standard error before the chat takes the terminal, through
                // `progress` (the chat's hint line) after.
                let load = { (progress: @escaping (Int, Int) -> Void) in
                    try EngineLoader.load(directory: directory, options: options, weightFormat: weightFormat,
                                          mapWeights: mapWeights, loadProgress: progress)
                }
                let (engine, info) = verbose ? try LoadProgressLine().showing(load) : try load(progress)
                // Pictures through the model's VQGAN; a checkpoint without one shows each
                // picture's codes as grey squares and says so.
                let codec: any PictureCodec = VQGANPictureCodec.forModel(
                    directory: directory, cacheDirectory: cache, note: { if verbose { printError("omnichat: " + $0) } })
                    ?? UnavailablePictureCodec()
                return LoadedModel(engine: engine, info: info, codec: codec)
            }
        }
        let loadModel = modelLoader(verbose: false)
        let loaded = try modelLoader(verbose: true)(directory, options, { _, _ in })
        let (engine, model, codec) = (loaded.engine, loaded.info, loaded.codec)
        var sessionOptions = sessionOptions
        if config.file.autosave == false { sessionOptions.noAutosave = true }
        let (keeper, resumed) = try await ChatSessionKeeper.start(sessionOptions, engine: engine, codec: codec)
        if let resumed {
            options = sampling.overriding(resumed.options)
            if options != resumed.options { await engine.setOptions(options) }
        }

        let historyOff = noHistory || ["off", "0", "no"].contains(environment["OMNICHAT_HISTORY"]?.lowercased() ?? "")
            || config.file.history == false
        let history = historyOff ? nil : HistoryFile(url: directories.history)

        let preferred = colors.flatMap(ColorMode.init(rawValue:)) ?? config.file.colors ?? TerminalDefaults.colorMode(
            environment: environment, terminfo: NcursesTerminal.terminfoColors(term: environment["TERM"] ?? ""))
        let services = ChatServices(
            readPicture: { path in try PNGReader.read(path: path).flattened() },
            writePicture: { image, path in try PNGWriter.write(image, to: SessionStore.expandingTilde(path), replacing: false) },
            themes: catalog, history: history, storage: keeper.storage, loadModel: loadModel)
        var configuration = ChatConfiguration(
            preferredColorMode: preferred, environment: environment, theme: chosenTheme, themeNames: catalog.names(),
            model: model, options: options, history: history?.load() ?? [], resumed: resumed)
        configuration.typedAhead = probe.typedAhead
        configuration.kittyKeyboard = probe.kittyKeyboard
        let status = try await ChatProgram.run(engine: engine, codec: codec, services: services, configuration: configuration)
        if status != 0 { throw ExitCode(status) }
    }
}

extension ChatCommand {
    /// The theme for the terminal's own background (asked with OSC 11): "light" on a light one,
    /// else (dark, or no answer) "dark".
    static func themeName(forBackground background: RGB?) -> String {
        background.map { TerminalProbe.isLight($0) } == true ? "light" : "dark"
    }

    /// Most bytes of piped input read as one message.
    static let pipedMessageLimit = 1 << 20

    /// Pipe mode: all of standard input is one user message, answered as `omnichat run` answers.
    func answerPipedMessage(modelOptions: ModelOptions, configuredSampling: SamplingOptions?,
                            configuredColors: ColorMode?) async throws {
        let data = try FileHandle.standardInput.read(upToCount: Self.pipedMessageLimit + 1) ?? Data()
        guard data.count <= Self.pipedMessageLimit else {
            throw CLIError("standard input holds more than \(Self.pipedMessageLimit) bytes; a message must be shorter")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw CLIError("standard input is empty: nothing to answer") }
        var player = TurnPlayer(modelOptions: modelOptions, sampling: sampling, out: nil, json: false, maxTokens: TurnPlayer.defaultMaxTokens)
        player.configuredSampling = configuredSampling
        // The flag always; the config file's colours only on a terminal (none into a pipe).
        player.colorMode = colors.flatMap(ColorMode.init(rawValue:)) ?? (isatty(STDOUT_FILENO) != 0 ? configuredColors : nil)
        try await player.play([ScriptTurn(text: text, images: [])])
    }
}

/// The chat's settings from `$XDG_CONFIG_HOME/omnichat/config.toml` (`ConfigFile`), merged under
/// the flags and the environment: a flag wins, then `OMNICHAT_MODEL` / `OMNICHAT_THEME`, then
/// the file, then the built-in defaults.
struct ChatSettings {
    let file: ConfigFile
    /// The model flags with the file's model and weights where no flag or variable gave them.
    let modelOptions: ModelOptions
    /// The file's sampling settings, checked as the flags are; nil when it sets none.
    let sampling: SamplingOptions?

    init(file url: URL, environment: [String: String], modelOptions flags: ModelOptions) throws {
        do {
            file = try ConfigFile.load(from: url)
        } catch {
            throw CLIError(error.description)
        }
        var options = flags
        if options.model == nil, environment["OMNICHAT_MODEL"]?.isEmpty ?? true, let model = file.model {
            options.model = (model as NSString).expandingTildeInPath
        }
        if options.weights == nil { options.weights = file.weights }
        modelOptions = options
        if file.samplingArguments.isEmpty {
            sampling = nil
        } else {
            do {
                sampling = try SamplingOptions.parse(file.samplingArguments)
            } catch {
                throw CLIError("\(url.path): " + SamplingOptions.message(for: error).replacingOccurrences(of: "--", with: ""))
            }
        }
    }
}

/// The themes that ship in the repository under `themes/`, found from this file's location at
/// compile time (as `BuiltInModel` finds the model).
enum BuiltInThemes {
    static var directory: URL? {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/omnichat/ChatCommand.swift
        let themes = url.appendingPathComponent("themes")
        return FileManager.default.fileExists(atPath: themes.path) ? themes : nil
    }
}
