import FileIO
import Foundation
import Imaging

/// Where themes come from: the user's own (`$XDG_CONFIG_HOME/omnichat/themes/NAME.toml`, which
/// win), then the ones that ship with omnichat (`themes/` of the repository). A name with a `/`
/// or ending in `.toml` is read as a path.
///
/// The default theme, dark, is also compiled in (`Theme.builtInDark`, kept equal to
/// `themes/dark.toml` by a test), so the chat starts even when the binary was moved away from
/// its repository.
public struct ThemeCatalog: Sendable {
    public var userDirectory: URL?
    public var builtInDirectory: URL?

    public init(userDirectory: URL?, builtInDirectory: URL?) {
        self.userDirectory = userDirectory
        self.builtInDirectory = builtInDirectory
    }

    /// The theme called `name`, or the file at `name` when it is a path.
    public func load(_ name: String) throws(ThemeError) -> Theme {
        if name.contains("/") || name.hasSuffix(".toml") {
            return try Self.read(path: (name as NSString).expandingTildeInPath)
        }
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.isNameScalar) else { throw .badName(name) }
        let candidates = directories.map { $0.appendingPathComponent(name + ".toml").path }
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            return try Self.read(path: path)
        }
        if name == Theme.builtInDark.name { return .builtInDark }
        throw .notFound(name: name, searched: directories.map(\.path))
    }

    /// The names of the themes found, sorted, without duplicates.
    public func names() -> [String] {
        var names: Set<String> = [Theme.builtInDark.name]
        for directory in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for file in files where file.hasSuffix(".toml") { names.insert(String(file.dropLast(5))) }
        }
        return names.sorted()
    }

    private var directories: [URL] { [userDirectory, builtInDirectory].compactMap { $0 } }

    static func read(path: String) throws(ThemeError) -> Theme {
        // A theme is a few hundred bytes; a pipe or /dev/zero named by mistake is refused.
        guard let bytes = try? FileIO.read(path, limit: 1 << 20) else { throw .unreadable(path: path) }
        return try Theme.parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "-" || scalar == "_"
    }
}

extension Theme {
    /// The dark theme, the default: the same colours as `themes/dark.toml`.
    public static let builtInDark = Theme(name: "dark", colors: [
        .transcriptBackground: RGB(0x1C, 0x1C, 0x1C), .transcriptText: RGB(0xD0, 0xD0, 0xD0),
        .userLabel: RGB(0x5F, 0xAF, 0xFF), .userText: RGB(0xE4, 0xE4, 0xE4),
        .assistantLabel: RGB(0x87, 0xD7, 0x87), .assistantText: RGB(0xD0, 0xD0, 0xD0),
        .notice: RGB(0x8A, 0x8A, 0x8A), .error: RGB(0xFF, 0x5F, 0x5F),
        .pictureCaption: RGB(0x8A, 0x8A, 0x8A), .picturePlaceholder: RGB(0x30, 0x30, 0x30),
        .inputBackground: RGB(0x26, 0x26, 0x26), .inputText: RGB(0xFF, 0xFF, 0xFF),
        .inputCursor: RGB(0xFF, 0xAF, 0x00), .inputPrompt: RGB(0xFF, 0xAF, 0x00),
        .inputHint: RGB(0x6C, 0x6C, 0x6C), .inputAttachment: RGB(0x87, 0xAF, 0xD7),
        .statusBackground: RGB(0x30, 0x30, 0x30), .statusText: RGB(0xBC, 0xBC, 0xBC),
        .statusModel: RGB(0x87, 0xD7, 0x87), .statusProgress: RGB(0xFF, 0xAF, 0x00),
        .statusWarning: RGB(0xFF, 0xD7, 0x5F), .border: RGB(0x44, 0x44, 0x44),
    ])
}
