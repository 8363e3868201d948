import Foundation
import HalfBlockRendering
import Imaging
import Testing
@testable import ChatUI

/// Theme files: the shipped ones are complete, mistakes are named, user themes win.
@Suite struct ThemeTests {
    let catalog = ThemeCatalog(userDirectory: nil, builtInDirectory: Fixtures.themes)

    @Test func theShippedThemesSetEveryColour() throws {
        for name in ["dark", "light", "high-contrast"] {
            let theme = try catalog.load(name)
            #expect(theme.name == name)
            #expect(theme.colors.count == ThemeColor.allCases.count)
        }
        #expect(catalog.names() == ["dark", "high-contrast", "light"])
    }

    @Test func theCompiledInDarkThemeIsDarkToml() throws {
        #expect(try catalog.load("dark") == Theme.builtInDark)
        let empty = ThemeCatalog(userDirectory: nil, builtInDirectory: nil)
        #expect(try empty.load("dark") == Theme.builtInDark)
        #expect(throws: ThemeError.self) { try empty.load("light") }
    }

    func parse(_ text: String) -> ThemeError? {
        do {
            _ = try Theme.parse(text, path: "t.toml")
            return nil
        } catch {
            return error
        }
    }

    func darkToml() throws -> String {
        try String(contentsOf: Fixtures.themes.appendingPathComponent("dark.toml"), encoding: .utf8)
    }

    @Test func mistakesAreNamedWithTheirLine() throws {
        let dark = try darkToml()
        #expect(parse(dark.replacingOccurrences(of: "cursor = \"#ffaf00\"\n", with: "")) == .missingColor(path: "t.toml", key: "input.cursor"))
        #expect(parse(dark + "\n[extra]\nglow = \"#ffffff\"\n") == .unknownKey(path: "t.toml", key: "extra.glow"))
        #expect(parse(dark.replacingOccurrences(of: "\"#ffaf00\"", with: "\"orange\"")) != nil)
        #expect(parse("name = \"x\"\n[status\n") == .syntax(path: "t.toml", line: 2, reason: "a table header must look like [name]"))
        #expect(parse("[border]\ncolor = 3\n") == .syntax(path: "t.toml", line: 2, reason: "the value of color must be a quoted string"))
        #expect(parse("[border]\ncolor = \"#444444\n") == .syntax(path: "t.toml", line: 2, reason: "unterminated string"))
        #expect(parse("[border]\ncolor = \"#444444\"\ncolor = \"#444444\"\n") == .syntax(path: "t.toml", line: 3, reason: "border.color is set twice"))
    }

    /// A theme saved with Windows line ends reads as the same theme, and its mistakes keep their lines.
    @Test func windowsLineEndsReadAsLines() throws {
        let dark = try darkToml()
        #expect(try Theme.parse(dark.replacingOccurrences(of: "\n", with: "\r\n"), path: "t.toml") == Theme.parse(dark, path: "t.toml"))
        #expect(parse("name = \"x\"\r\n[status\r\n") == .syntax(path: "t.toml", line: 2, reason: "a table header must look like [name]"))
    }

    /// `/theme PATH` naming a pipe or a device is refused at once (reading it froze the chat).
    @Test func aThemePathThatIsNotAFileIsRefusedAtOnce() throws {
        let pipe = FileManager.default.temporaryDirectory.appendingPathComponent("theme-\(UUID().uuidString).toml")
        try #require(mkfifo(pipe.path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(at: pipe) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10) {
            let writer = open(pipe.path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        for path in [pipe.path, "/dev/zero"] {
            #expect(throws: ThemeError.unreadable(path: path)) { try ThemeCatalog.read(path: path) }
        }
    }

    @Test func tomlStringsCommentsAndEscapes() throws {
        let values = try TOMLSubset.parse("""
            # comment
            name = 'my theme' # trailing comment
            [a.b]
            k = "x\\"y\\u00e9"
            """, path: "t.toml")
        #expect(values == ["name": "my theme", "a.b.k": "x\"yé"])
    }

    @Test func userThemesWinAndPathsLoad() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let custom = try darkToml().replacingOccurrences(of: "name = \"dark\"", with: "name = \"mine\"")
            .replacingOccurrences(of: "#1c1c1c", with: "#000080")
        try custom.write(to: directory.appendingPathComponent("light.toml"), atomically: true, encoding: .utf8)
        let withUser = ThemeCatalog(userDirectory: directory, builtInDirectory: Fixtures.themes)
        #expect(try withUser.load("light")[.transcriptBackground] == RGB(0, 0, 0x80))
        #expect(try withUser.load(directory.appendingPathComponent("light.toml").path).name == "mine")
        #expect(throws: ThemeError.badName("my theme!")) { try withUser.load("my theme!") }
        #expect(throws: ThemeError.unreadable(path: "/nonexistent/x.toml")) { try withUser.load("/nonexistent/x.toml") }
    }

    @Test func coloursFollowTheTerminalsDepth() {
        let truecolor = StyleSheet(theme: .builtInDark, colorMode: .truecolor)
        #expect(truecolor.transcript.background == .rgb(RGB(0x1C, 0x1C, 0x1C)))
        let palette = StyleSheet(theme: .builtInDark, colorMode: .palette256)
        #expect(palette.transcript.background == .palette256(234))  // grey 28 is #1c1c1c exactly
        #expect(palette.assistantLabel.foreground == .palette256(114))  // #87d787
        let ansi = StyleSheet(theme: .builtInDark, colorMode: .ansi16)
        if case .ansi16 = ansi.error.foreground {} else { Issue.record("16-colour mode gave \(ansi.error.foreground)") }
        let none = StyleSheet(theme: .builtInDark, colorMode: .monochrome)
        #expect(none.status == Style(attributes: .reverse))
    }
}
