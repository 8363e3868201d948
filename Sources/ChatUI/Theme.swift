import Foundation
import HalfBlockRendering
import Imaging

/// Every colour of the chat's UI, named as in the theme files (`table.key`).
public enum ThemeColor: String, CaseIterable, Sendable, Hashable {
    case transcriptBackground = "transcript.background"
    case transcriptText = "transcript.text"
    case userLabel = "transcript.user_label"
    case userText = "transcript.user_text"
    case assistantLabel = "transcript.assistant_label"
    case assistantText = "transcript.assistant_text"
    case notice = "transcript.notice"
    case error = "transcript.error"
    case pictureCaption = "transcript.picture_caption"
    case picturePlaceholder = "transcript.picture_placeholder"
    case inputBackground = "input.background"
    case inputText = "input.text"
    case inputCursor = "input.cursor"
    case inputPrompt = "input.prompt"
    case inputHint = "input.hint"
    case inputAttachment = "input.attachment"
    case statusBackground = "status.background"
    case statusText = "status.text"
    case statusModel = "status.model"
    case statusProgress = "status.progress"
    case statusWarning = "status.warning"
    case border = "border.color"
}

/// Why a theme could not be used.
public enum ThemeError: Error, CustomStringConvertible, Sendable, Equatable {
    case notFound(name: String, searched: [String])
    case unreadable(path: String)
    case syntax(path: String, line: Int, reason: String)
    case missingColor(path: String, key: String)
    case unknownKey(path: String, key: String)
    case badColor(path: String, key: String, value: String)
    case badName(String)

    public var description: String {
        switch self {
        case .notFound(let name, let searched):
            "theme \"\(name)\" not found (looked in \(searched.joined(separator: ", ")))"
        case .unreadable(let path): "\(path): cannot read the file"
        case .syntax(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .missingColor(let path, let key): "\(path): the theme does not set \(key)"
        case .unknownKey(let path, let key): "\(path): unknown key \(key)"
        case .badColor(let path, let key, let value): "\(path): \(key) = \"\(value)\" is not a colour like \"#1c1c1c\""
        case .badName(let name): "\"\(name)\" is not a theme name (letters, digits, - and _)"
        }
    }
}

/// A colour theme: a name and a colour for every `ThemeColor`, read from a TOML file such as
/// `themes/dark.toml`:
///
///     name = "dark"
///     [transcript]
///     background = "#1c1c1c"
///     …
///
/// Colours are written `#rrggbb`; the 256- and 16-colour forms are derived when the theme is
/// applied (`StyleSheet`), with the same perceptual quantiser as pictures.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var colors: [ThemeColor: RGB]

    public init(name: String, colors: [ThemeColor: RGB]) {
        precondition(ThemeColor.allCases.allSatisfy { colors[$0] != nil }, "a theme needs every colour")
        self.name = name
        self.colors = colors
    }

    public subscript(color: ThemeColor) -> RGB { colors[color]! }  // init checks every key is present

    /// Parses a theme file's text; `path` names the file in errors.
    public static func parse(_ text: String, path: String) throws(ThemeError) -> Theme {
        let values = try TOMLSubset.parse(text, path: path)
        var colors: [ThemeColor: RGB] = [:]
        for (key, value) in values where key != "name" {
            guard let color = ThemeColor(rawValue: key) else { throw .unknownKey(path: path, key: key) }
            guard let rgb = parseHex(value) else { throw .badColor(path: path, key: key, value: value) }
            colors[color] = rgb
        }
        for color in ThemeColor.allCases where colors[color] == nil {
            throw .missingColor(path: path, key: color.rawValue)
        }
        let fallbackName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return Theme(name: values["name"] ?? fallbackName, colors: colors)
    }

    /// `#rrggbb` (or `rrggbb`) as a colour.
    static func parseHex(_ text: String) -> RGB? {
        let digits = text.hasPrefix("#") ? text.dropFirst() : Substring(text)
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        return RGB(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
    }
}
