import FileIO
import Foundation
import HalfBlockRendering
import TensorMath

/// `$XDG_CONFIG_HOME/omnichat/config.toml`: the user's defaults for the chat. A flag overrides
/// its key, and so do `OMNICHAT_MODEL` and `OMNICHAT_THEME`; a missing file is an empty config.
///
///     model = "~/models/anole-7b"
///     weights = "q4"
///     theme = "light"
///     temperature = 0.8
///     history = false
public struct ConfigFile: Sendable, Equatable {
    public var model: String?
    public var weights: WeightFormat?
    public var theme: String?
    public var colors: ColorMode?
    /// `false` keeps no input history.
    public var history: Bool?
    /// `false` saves no sessions.
    public var autosave: Bool?
    /// Sampling defaults as the command-line arguments of the same names (`top_p = 0.9` is
    /// `--top-p 0.9`), for the flags' own parsing and checks.
    public var samplingArguments: [String] = []

    public init() {}

    /// The keys a config file may set.
    public static let keys = ["model", "weights", "theme", "colors", "history", "autosave"] + samplingKeys
    static let samplingKeys = ["temperature", "top_p", "top_k", "repetition_penalty", "image_temperature", "cfg_text", "cfg_image", "greedy"]

    /// Reads the file at `url`; a file that is not there is an empty config.
    public static func load(from url: URL) throws(ConfigError) -> ConfigFile {
        guard FileManager.default.fileExists(atPath: url.path) else { return ConfigFile() }
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(url.path, limit: 1 << 20)
        } catch {
            throw .unreadable(path: url.path, reason: error.reason)
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw .unreadable(path: url.path, reason: "not UTF-8 text") }
        return try parse(text, path: url.path)
    }

    /// Parses a config file's text; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> ConfigFile {
        let values: [String: String]
        do {
            values = try TOMLSubset.parse(text, path: path, scalars: true)
        } catch {
            throw .syntax(error.description)
        }
        var config = ConfigFile()
        for key in values.keys.sorted() {
            let value = values[key]!
            func bad(_ expected: String) -> ConfigError { .badValue(path: path, key: key, value: value, expected: expected) }
            switch key {
            case "model": config.model = value
            case "theme": config.theme = value
            case "weights":
                guard let format = WeightFormat(rawValue: value) else { throw bad(WeightFormat.allCases.map(\.rawValue).joined(separator: ", ")) }
                config.weights = format
            case "colors":
                guard let mode = ColorMode(rawValue: value) else { throw bad("truecolor, 256, 16 or none") }
                config.colors = mode
            case "history", "autosave":
                guard let flag = Bool(value) else { throw bad("true or false") }
                if key == "history" { config.history = flag } else { config.autosave = flag }
            case "greedy":
                guard let flag = Bool(value) else { throw bad("true or false") }
                if flag { config.samplingArguments.append("--greedy") }
            case _ where samplingKeys.contains(key):
                guard Double(value) != nil else { throw bad("a number") }
                config.samplingArguments += ["--" + key.replacingOccurrences(of: "_", with: "-"), value]
            default:
                throw .unknownKey(path: path, key: key, suggestion: SlashCommand.closest(to: key, among: keys))
            }
        }
        return config
    }

}

/// What is wrong with a config file, in one line.
public enum ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(path: String, reason: String)
    case syntax(String)
    case unknownKey(path: String, key: String, suggestion: String?)
    case badValue(path: String, key: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the config file: \(reason)"
        case .syntax(let message): message
        case .unknownKey(let path, let key, let suggestion):
            "\(path): unknown key \(key)" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
                + "; keys: " + ConfigFile.keys.joined(separator: ", ")
        case .badValue(let path, let key, let value, let expected): "\(path): \(key) = \(value): expected \(expected)"
        }
    }
}
