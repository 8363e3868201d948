import Foundation
import HalfBlockRendering
import PNGCodec
import Testing

/// `omnichat show` run as a user runs it: the built binary, with its output in pipes.
@Suite struct ShowCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/png")

    /// The omnichat binary built next to this test bundle.
    static var binary: URL? {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            .map { $0.appendingPathComponent("omnichat") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let binary = try #require(binary, "omnichat binary not found next to \(Bundle.main.bundleURL.path)")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment  // a clean environment: no TERM, COLORTERM or NO_COLOR unless given
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func printsTheRenderedPicture() throws {
        let path = Self.fixtures.appendingPathComponent("good/pillow_rgba.png").path
        let result = try Self.run(["show", path, "--width", "12", "--colors", "256"])
        #expect(result.status == 0 && result.stderr.isEmpty)
        let picture = try PNGReader.read(path: path).flattened()
        let expected = ANSISerializer.serialize(HalfBlockRenderer(colorMode: .palette256).render(picture, columns: 12))
        #expect(result.stdout == expected)
    }

    @Test func defaultsFollowTheEnvironment() throws {
        let path = Self.fixtures.appendingPathComponent("good/pillow_rgb.png").path  // 32×24 pixels
        let picture = try PNGReader.read(path: path).flattened()
        // Not a terminal: 80 columns, capped by the picture's 32 pixels.
        let truecolor = try Self.run(["show", path], environment: ["COLORTERM": "truecolor"])
        #expect(truecolor.stdout == ANSISerializer.serialize(HalfBlockRenderer(colorMode: .truecolor).render(picture, columns: 32)))
        let sixteen = try Self.run(["show", path], environment: ["TERM": "xterm"])
        #expect(sixteen.stdout == ANSISerializer.serialize(HalfBlockRenderer(colorMode: .ansi16).render(picture, columns: 32)))
    }

    @Test func noColorDrawsPlainTextWithANote() throws {
        let path = Self.fixtures.appendingPathComponent("good/pillow_rgb.png").path
        let result = try Self.run(["show", path, "--width", "20"], environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("\u{1B}") && !result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("omnichat show: NO_COLOR is set") && result.stderr.filter { $0 == "\n" }.count == 1)
        let forced = try Self.run(["show", path, "--width", "20", "--colors", "16"], environment: ["NO_COLOR": "1"])
        #expect(forced.stdout.contains("\u{1B}[") && forced.stderr.isEmpty)
    }

    /// Every bad file: exit status 1 and exactly one line on standard error naming the file.
    @Test func badFilesGiveOneLineAndFailure() throws {
        let directory = Self.fixtures.appendingPathComponent("bad")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".png") }.sorted()
        #expect(names.count >= 20)
        for name in names + ["missing.png"] {
            let path = directory.appendingPathComponent(name).path
            let result = try Self.run(["show", path])
            #expect(result.status == 1, "\(name): exit \(result.status)")
            #expect(result.stdout.isEmpty, "\(name)")
            #expect(result.stderr.hasPrefix("Error: \(path): ") && result.stderr.filter { $0 == "\n" }.count == 1,
                    "\(name): \(result.stderr)")
        }
    }

    @Test func badOptionsAreUsageErrors() throws {
        let path = Self.fixtures.appendingPathComponent("good/pillow_rgb.png").path
        for arguments in [["--width", "0"], ["--width", "100000"], ["--colors", "65536"]] {
            let result = try Self.run(["show", path] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stdout.isEmpty)
        }
    }
}
