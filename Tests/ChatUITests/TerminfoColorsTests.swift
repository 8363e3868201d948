import Foundation
import HalfBlockRendering
import Testing
@testable import ChatUI

/// The terminfo query behind the colour mode: read from real entries, including one compiled
/// here with the RGB flag (as kitty's, alacritty's and foot's entries have).
@Suite(.serialized) struct TerminfoColorsTests {
    @Test func installedEntriesReportTheirColours() {
        #expect(NcursesTerminal.terminfoColors(term: "xterm-256color") == TerminfoColors(colors: 256, directColor: false))
        #expect(NcursesTerminal.terminfoColors(term: "xterm") == TerminfoColors(colors: 8, directColor: false))
        #expect(NcursesTerminal.terminfoColors(term: "no-such-terminal-entry") == nil)
        #expect(NcursesTerminal.terminfoColors(term: "") == nil)
    }

    static let tic = ["/usr/bin/tic", "/usr/local/bin/tic"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: TerminfoColorsTests.tic != nil, "needs tic (ncurses) to compile a terminfo entry"))
    func anEntryWithTheRGBFlagMeansTruecolor() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omnichat-terminfo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("entry.src")
        try "omnichat-test-rgb|a 256-colour terminal with the RGB flag,\n\tRGB, colors#256, use=xterm-256color,\n"
            .write(to: source, atomically: true, encoding: .utf8)
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: Self.tic!)
        compiler.arguments = ["-x", "-o", directory.path, source.path]
        try compiler.run()
        compiler.waitUntilExit()
        try #require(compiler.terminationStatus == 0, "tic could not compile the test entry")

        let saved = ProcessInfo.processInfo.environment["TERMINFO"]
        setenv("TERMINFO", directory.path, 1)
        defer { if let saved { setenv("TERMINFO", saved, 1) } else { unsetenv("TERMINFO") } }
        let colors = NcursesTerminal.terminfoColors(term: "omnichat-test-rgb")
        #expect(colors == TerminfoColors(colors: 256, directColor: true))
        #expect(TerminalDefaults.colorMode(environment: ["TERM": "omnichat-test-rgb"], terminfo: colors) == .truecolor)
    }
}
