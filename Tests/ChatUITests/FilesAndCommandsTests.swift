import Foundation
import Testing
@testable import ChatUI

/// History on disk, XDG directories, path completion, command parsing, redraw throttling.
@Suite struct FilesAndCommandsTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chatui-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func xdgDirectoriesFollowTheEnvironment() {
        let set = XDGDirectories(environment: ["HOME": "/home/u", "XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "/s", "XDG_DATA_HOME": "/d"])
        #expect(set.themes.path == "/c/omnichat/themes")
        #expect(set.history.path == "/s/omnichat/history")
        #expect(set.data.path == "/d/omnichat")
        let defaults = XDGDirectories(environment: ["HOME": "/home/u", "XDG_STATE_HOME": "relative/ignored"])
        #expect(defaults.themes.path == "/home/u/.config/omnichat/themes")
        #expect(defaults.history.path == "/home/u/.local/state/omnichat/history")
    }

    @Test func historyRoundTripsMultiLineMessages() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = HistoryFile(url: directory.appendingPathComponent("state/omnichat/history"))
        #expect(file.load().isEmpty)
        try file.append("draw a red circle")
        try file.append("line one\nline two \"quoted\"")
        try file.append("한국어 🙂")
        #expect(file.load() == ["draw a red circle", "line one\nline two \"quoted\"", "한국어 🙂"])
        // A damaged line is skipped, the rest still loads.
        let handle = try FileHandle(forWritingTo: file.url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("not json\n\"ok\"\n".utf8))
        try handle.close()
        #expect(file.load().last == "ok")
        #expect(file.load().count == 4)
    }

    @Test func anUnwritableHistoryFailsWithAClearError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocker = directory.appendingPathComponent("state")
        try Data().write(to: blocker)  // a file where the directory should be
        let file = HistoryFile(url: blocker.appendingPathComponent("omnichat/history"))
        #expect(throws: HistoryError.self) { try file.append("x") }
        #expect(file.load().isEmpty)
    }

    @Test func pathCompletionListsMatchingNamesAndMarksDirectories() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("pictures"), withIntermediateDirectories: true)
        try Data().write(to: directory.appendingPathComponent("picnic.png"))
        try Data().write(to: directory.appendingPathComponent(".pic-hidden"))
        let base = directory.path + "/"
        #expect(PathCompletion.candidates(for: base + "pic") == [base + "picnic.png", base + "pictures/"])
        #expect(PathCompletion.candidates(for: base + ".pic") == [base + ".pic-hidden"])
        #expect(PathCompletion.candidates(for: "~/x", home: directory.path).isEmpty)
        #expect(PathCompletion.candidates(for: "~/pictures", home: directory.path) == ["~/pictures/"])
    }

    @Test func theExternalEditorEditsAFileAndFailuresSaySo() throws {
        #expect(ExternalEditor.command(environment: ["VISUAL": "code -w", "EDITOR": "nano"]) == "code -w")
        #expect(ExternalEditor.command(environment: ["VISUAL": " ", "EDITOR": "nano"]) == "nano")
        #expect(ExternalEditor.command(environment: [:]) == "vi")
        // An "editor" that changes the file as a person would.
        #expect(try ExternalEditor.edit("a cat\n", command: "sed -i 's/cat/dog/'") == "a dog")
        #expect(throws: ExternalEditor.Failure.self) { try ExternalEditor.edit("a cat", command: "false") }
        #expect(throws: ExternalEditor.Failure.self) { try ExternalEditor.edit("a cat", command: "rm") }
    }

    /// `/read`: text as written (line ends made LF), and a one-line refusal for what is not text.
    @Test func textFilesAreReadAndEverythingElseRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url.path
        }
        let notes = try file("notes.txt", Array("draw a red circle\r\nthen a 한글 word\n".utf8))
        #expect(try TextFileReader.read(path: notes) == "draw a red circle\nthen a 한글 word")
        #expect(try TextFileReader.read(path: try file("empty.txt", [])) == "")
        let binary = try file("picture.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
        #expect(throws: TextFileError.notText(binary)) { try TextFileReader.read(path: binary) }
        let latin1 = try file("latin1.txt", [0x63, 0x61, 0x66, 0xE9])
        #expect(throws: TextFileError.notText(latin1)) { try TextFileReader.read(path: latin1) }
        let big = try file("big.txt", [UInt8](repeating: 0x61, count: 2049))
        #expect(throws: TextFileError.tooLarge(big, limit: 2048)) { try TextFileReader.read(path: big, limit: 2048) }
        #expect(try TextFileReader.read(path: big, limit: 4096).count == 2049)
        #expect(throws: TextFileError.notFound(directory.path + "/none.txt")) { try TextFileReader.read(path: directory.path + "/none.txt") }
        #expect(throws: TextFileError.isDirectory(directory.path)) { try TextFileReader.read(path: directory.path) }
        #expect(TextFileError.tooLarge("big.txt", limit: 1 << 20).description == "big.txt is larger than 1024 KB")
    }

    /// `body`'s result, run on another thread; nil when it has not returned within `seconds` (a
    /// read that waits on a named pipe would otherwise hang the test run).
    func promptly<T: Sendable>(within seconds: Double = 5, _ body: @escaping @Sendable () -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        let result = Locked<T?>(nil)
        Thread {
            let value = body()
            result.withLock { $0 = value }
            done.signal()
        }.start()
        return done.wait(timeout: .now() + seconds) == .success ? result.withLock { $0 } : nil
    }

    /// A named pipe where a text file or the history should be is refused at once, not waited on
    /// for a writer that never comes.
    @Test func namedPipesAreRefusedWithoutWaiting() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let read = promptly { () -> String in
            do { return try TextFileReader.read(path: fifo) } catch { return "\(error)" }
        }
        #expect(read == TextFileError.unreadable(fifo).description)
        #expect(promptly { HistoryFile(url: URL(fileURLWithPath: fifo)).load() } == [])
    }

    /// Of a history file past `maxLoadBytes` only the end is read, whole lines only.
    @Test func aHugeHistoryLoadsItsEnd() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("history")
        let filler = String(repeating: "x", count: 999)
        let line = Data(("\"" + filler + "\"\n").utf8)  // 1,002 bytes
        var data = Data()
        data.reserveCapacity(HistoryFile.maxLoadBytes + 4 * line.count)
        while data.count <= HistoryFile.maxLoadBytes + 2 * line.count { data += line }
        data += Data("\"last\"\n".utf8)
        try data.write(to: url)
        let loaded = HistoryFile(url: url).load()
        #expect(loaded.count == InputHistory.limit)
        #expect(loaded.last == "last")
        #expect(loaded.dropLast().allSatisfy { $0 == filler })
    }

    @Test func commandsParseWithTheirArguments() {
        #expect(SlashCommand.parse("/help") == .success(.help))
        #expect(SlashCommand.parse("/exit") == .success(.quit))
        #expect(SlashCommand.parse("/attach 'my cat.png'") == .success(.attach("my cat.png")))
        #expect(SlashCommand.parse("/attach my\\ cat.png") == .success(.attach("my cat.png")))
        #expect(SlashCommand.parse("/attach file:///tmp/a%20b.png") == .success(.attach("/tmp/a b.png")))
        #expect(SlashCommand.parse("/image 2 save out/p.png") == .success(.saveImage(number: 2, path: "out/p.png")))
        #expect(SlashCommand.parse("/image 2\nsave out.png") == .success(.saveImage(number: 2, path: "out.png")), "a newline separates words too")
        #expect(SlashCommand.parse("/export md\nchat.md") == .success(.export(format: "md", path: "chat.md")))
        #expect(SlashCommand.parse("/export html chat.html") == .success(.export(format: "html", path: "chat.html")))
        #expect(SlashCommand.parse("/set top_k 40") == .success(.set(name: "top_k", value: "40")))
        #expect(SlashCommand.parse("/set") == .success(.showSettings))
        #expect(SlashCommand.parse("/theme") == .success(.theme(nil)))
        #expect(SlashCommand.parse("/model ~/models/x") == .success(.model("~/models/x")))
        #expect(SlashCommand.parse("/image 2 save") == .failure(CommandError("usage: /image N save PATH")))
        #expect(SlashCommand.parse("/image ~/pictures/cat.png") == .success(.attach("~/pictures/cat.png")))
        #expect(SlashCommand.parse("/image 'two words.png'") == .success(.attach("two words.png")))
        #expect(SlashCommand.parse("/regen") == .success(.retry))
        #expect(SlashCommand.parse("/copy") == .success(.copy))
        #expect(SlashCommand.parse("/read 'my notes.txt'") == .success(.read("my notes.txt")))
        #expect(SlashCommand.parse("/read") == .failure(CommandError("usage: /read PATH")))
        #expect(SlashCommand.parse("/export pdf x") == .failure(CommandError("usage: /export md|html PATH")))
        #expect(SlashCommand.parse("/undo now") == .failure(CommandError("usage: /undo ")))
        #expect(SlashCommand.parse("/thme dark") == .failure(CommandError("unknown command /thme. Did you mean /theme? Type /help for the list.")))
        #expect(SlashCommand.parse("/zzzzzz") == .failure(CommandError("unknown command /zzzzzz. Type /help for the list.")))
    }

    @Test func redrawsAreThrottled() {
        var throttle = RenderThrottle(framesPerSecond: 50)  // 20 ms apart
        var drawn = throttle.shouldRender(at: 0)
        #expect(!drawn)  // nothing changed
        throttle.markDirty()
        drawn = throttle.shouldRender(at: 1.000)
        #expect(drawn)
        throttle.markDirty()
        drawn = throttle.shouldRender(at: 1.010)
        #expect(!drawn)
        #expect(throttle.millisecondsUntilDue(at: 1.010) == 10)
        drawn = throttle.shouldRender(at: 1.020)
        #expect(drawn)
        #expect(throttle.millisecondsUntilDue(at: 1.020) == nil)
        // A burst of 1000 changes within 100 ms draws at most 6 frames.
        var frames = 0
        for step in 0 ..< 1000 {
            throttle.markDirty()
            if throttle.shouldRender(at: 2 + Double(step) * 0.0001) { frames += 1 }
        }
        #expect(frames <= 6)
    }
}

/// `$XDG_CONFIG_HOME/omnichat/config.toml`.
@Suite struct ConfigFileTests {
    @Test func everyKeyIsReadAsItsType() throws {
        let config = try ConfigFile.parse("""
            # defaults
            model = "~/models/anole"
            weights = "q4"
            theme = 'light'
            colors = "256"
            history = false
            autosave = true
            temperature = 0.8
            top_k = 40
            cfg_text = 3   # a comment after a number
            greedy = false
            """, path: "c.toml")
        #expect(config.model == "~/models/anole")
        #expect(config.weights == .q4)
        #expect(config.theme == "light")
        #expect(config.colors == .palette256)
        #expect(config.history == false)
        #expect(config.autosave == true)
        #expect(config.samplingArguments == ["--cfg-text", "3", "--temperature", "0.8", "--top-k", "40"])
        #expect(try ConfigFile.parse("greedy = true", path: "c.toml").samplingArguments == ["--greedy"])
        let windows = try ConfigFile.parse("# saved on Windows\r\ntheme = 'light'\r\ntop_k = 40\r\n", path: "c.toml")
        #expect(windows.theme == "light" && windows.samplingArguments == ["--top-k", "40"], "a comment on the first line does not swallow the file")
        #expect(try ConfigFile.load(from: URL(fileURLWithPath: "/nonexistent/config.toml")) == ConfigFile())
    }

    @Test func mistakesAreOneLineNamingTheFileAndKey() {
        let cases: [(String, String)] = [
            ("tempreture = 1", "c.toml: unknown key tempreture (did you mean temperature?); keys: model, weights"),
            ("history = maybe", "c.toml:1: the value of history must be a quoted string, a number, true or false"),
            ("history = \"no\"", "c.toml: history = no: expected true or false"),
            ("colors = \"lots\"", "c.toml: colors = lots: expected truecolor, 256, 16 or none"),
            ("top_p = \"high\"", "c.toml: top_p = high: expected a number"),
            ("[table]\ntheme = \"x\"", "c.toml: unknown key table.theme"),
            ("theme = \"a\"\ntheme = \"b\"", "c.toml:2: theme is set twice"),
        ]
        for (text, message) in cases {
            do {
                _ = try ConfigFile.parse(text, path: "c.toml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.hasPrefix(message), "\(text): \(error.description)")
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test func themesStillTakeOnlyQuotedStrings() {
        #expect(throws: ThemeError.self) { try TOMLSubset.parse("text = 12", path: "t.toml") }
    }
}
