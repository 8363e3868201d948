import Foundation
import HalfBlockRendering
import Imaging
import PNGCodec
import Testing

/// The chat binary in a real terminal (tmux, started by the tests) with the tiny fixture model
/// (which carries a VQGAN): a request drawn as a picture in half-block cells of the decoded
/// picture's colours, a follow-up, Ctrl+C stopping a reply, a resize, and quitting with the
/// terminal given back as it was.
@Suite(.serialized, .enabled(if: TmuxSession.isAvailable, "needs tmux"))
struct ChatInTmuxTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine/plain")

    static var binary: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return [here, here.deletingLastPathComponent()].map { $0.appendingPathComponent("omnichat").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "omnichat"
    }

    let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("omnichat-e2e-\(UUID().uuidString)")

    static let builtInModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/builtin")

    /// The chat with `seed`, then, when it exits, its status and the terminal's modes.
    func start(seed: Int, columns: Int = 70, rows: Int = 60, arguments: String = "", model: URL = Self.fixtures,
               environment: String = "") throws -> TmuxSession {
        let command = "env -u NO_COLOR -u COLORTERM \(environment) TERM=xterm-256color XDG_STATE_HOME=\(stateDirectory.path) "
            + "XDG_CONFIG_HOME=\(stateDirectory.path) XDG_CACHE_HOME=\(stateDirectory.path) XDG_DATA_HOME=\(stateDirectory.path) "
            + "'\(Self.binary)' --model '\(model.path)' --seed \(seed) \(arguments); "
            + "echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon\\|-\\?echo\\|-\\?isig' | tr '\\n' ' '; echo; sleep 600"
        return try TmuxSession(command: command, columns: columns, rows: rows)
    }

    /// Types `text`, sends it once the input shows it, and (for a message) waits until its reply
    /// has ended. The input empties when the message is taken, and in the same step the reply
    /// begins, so an idle prompt after that means this message's reply is over.
    func send(_ text: String, in session: TmuxSession, reply: Bool = true) async throws {
        try session.type(text)
        #expect(await session.waitFor { $0.contains("› " + text) }, "\(text): not typed")
        try session.press("Enter")
        #expect(await session.waitFor { !$0.contains("› " + text) }, "\(text): not sent")
        if reply {
            #expect(await session.waitFor { Self.replyEnded($0) }, "\(text): no reply")
        }
    }

    static func statusLine(_ screen: String) -> String {
        screen.split(separator: "\n", omittingEmptySubsequences: false).last { !$0.isEmpty }.map(String.init) ?? ""
    }

    /// Whether the reply has ended: the input is empty and idle (its placeholder invites a
    /// message, which it does not while a reply is on its way or text is typed), the speed of the
    /// last reply is shown, and no picture is still being decoded.
    static func replyEnded(_ screen: String) -> Bool {
        let idlePrompt = screen.split(separator: "\n").contains { $0.contains("› Message ") && $0.contains(" · /help for commands") }
        return idlePrompt && statusLine(screen).contains("tok/s") && !screen.contains("decoding…")
    }

    /// Lines of the screen made of the upper half block: the picture's rows.
    static func pictureRows(_ screen: String) -> [Substring] {
        screen.split(separator: "\n").filter { $0.contains("▀▀▀▀") }
    }

    @Test func aPictureAFollowUpAStopAResizeAndAQuit() async throws {
        defer { try? FileManager.default.removeItem(at: stateDirectory) }
        // The tiny model draws now and then: try seeds (each in a new conversation) until a reply
        // holds a picture.
        let session = try start(seed: 1)
        defer { session.close() }
        #expect(await session.waitFor { $0.contains("/help for commands") }, "the chat did not start:\n\(session.screen())")
        var drawn = false
        for seed in 1 ... 80 {
            try await send("/new", in: session, reply: false)
            try await send("/set seed \(seed)", in: session, reply: false)
            try await send("draw a red circle", in: session)
            if session.screen().contains("picture 1") {
                drawn = true
                break
            }
        }
        try #require(drawn, "no seed of 80 drew a picture")

        // The picture on screen is the decoded picture in half blocks: save it, draw it with the
        // renderer at the width shown, and compare colour by colour (256 colours here).
        let saved = stateDirectory.appendingPathComponent("picture-1.png").path
        try session.type("/image 1 save \(saved)")
        try session.press("Enter")
        #expect(await session.waitFor { $0.contains("Saved picture 1") }, "\(session.screen())")
        let decoded = try PNGReader.read(path: saved).flattened()
        let shown = ScreenColors.rows(session.screen(escapes: true))
            .map { row in row.filter { $0.character == "▀" } }.filter { $0.count >= 4 }
        let width = try #require(shown.first?.count, "no picture on screen:\n\(session.screen())")
        let expected = HalfBlockRenderer(colorMode: .palette256).render(decoded, columns: width)
        #expect(shown.count == expected.height)
        for (row, cells) in shown.prefix(expected.height).enumerated() {
            let wanted = expected.row(row).map { cell -> ScreenColors.Cell in
                func index(_ color: TerminalColor) -> Int? { if case .palette256(let n) = color { Int(n) } else { nil } }
                return ScreenColors.Cell(character: "▀", foreground: index(cell.foreground), background: index(cell.background))
            }
            #expect(Array(cells) == wanted, "picture row \(row)")
        }
        let wide = try #require(Self.pictureRows(session.screen()).first)

        // A follow-up gets its own reply, and the picture stays above it.
        try await send("now make the circle green", in: session)

        // Ctrl+C stops a reply; the chat stays and answers the next message.
        // Ctrl+C right behind Enter, so the stop does not depend on how long the tiny model's
        // reply would have been.
        try session.type("tell me a very long story")
        try session.press("Enter", "C-c")
        #expect(await session.waitFor { Self.replyEnded($0) && $0.contains("(stopped)") }, "\(session.screen())")
        try await send("and then?", in: session)

        // Resizing draws the picture again at the new width.
        try session.press("C-Home")  // scroll to the top, where the picture is
        try session.resize(columns: 36, rows: 30)
        #expect(await session.waitFor { screen in
            let rows = Self.pictureRows(screen)
            guard let first = rows.first else { return false }
            return rows.allSatisfy { $0.count <= 36 } && first.filter { $0 == "▀" }.count < wide.filter { $0 == "▀" }.count
        }, "\(session.screen())")

        // Ctrl+D on an empty prompt quits, and the terminal is back in its usual modes.
        try session.press("C-d")
        #expect(await session.waitFor { $0.contains("EXIT=0") && $0.contains("icanon") }, "\(session.screen())")
        let after = session.screen()
        #expect(after.contains("icanon") && after.contains("echo") && after.contains("isig") && !after.contains("-icanon"))
    }

    /// The share of a picture's pixels nearest to each of `colours` (by squared RGB distance).
    static func shares(_ image: RGBImage, nearestOf colours: [RGB]) -> [Double] {
        var counts = [Int](repeating: 0, count: colours.count)
        for index in stride(from: 0, to: image.pixels.count, by: 3) {
            let (r, g, b) = (Int(image.pixels[index]), Int(image.pixels[index + 1]), Int(image.pixels[index + 2]))
            let nearest = colours.indices.min { first, second in
                func distance(_ c: RGB) -> Int {
                    (r - Int(c.red)) * (r - Int(c.red)) + (g - Int(c.green)) * (g - Int(c.green)) + (b - Int(c.blue)) * (b - Int(c.blue))
                }
                return distance(colours[first]) < distance(colours[second])
            }!
            counts[nearest] += 1
        }
        return counts.map { Double($0) / Double(image.width * image.height) }
    }

    /// A message typed and sent with Enter while the chat is still starting (before it asks the
    /// terminal, or while the model loads) is sent once the chat is up, not left in the prompt
    /// with a line break: the shell's line discipline had turned its Enter into a line feed.
    @Test(arguments: [0.0, 0.1, 0.2])
    func aMessageTypedWhileTheChatStartsIsSent(afterSeconds delay: Double) async throws {
        defer { try? FileManager.default.removeItem(at: stateDirectory) }
        let session = try start(seed: 1)
        defer { session.close() }
        try await Task.sleep(for: .seconds(delay))
        try session.type("hello")
        try session.press("Enter")
        #expect(await session.waitFor { Self.replyEnded($0) && $0.contains("You") }, "not sent:\n\(session.screen())")
        try session.press("C-d")
        #expect(await session.waitFor { $0.contains("EXIT=0") })
    }

    @Test func theBuiltInModelDrawsAndAFollowUpEditsThePicture() async throws {
        defer { try? FileManager.default.removeItem(at: stateDirectory) }
        let session = try start(seed: 1, model: Self.builtInModel)
        defer { session.close() }
        #expect(await session.waitFor { $0.contains("/help for commands") }, "the chat did not start:\n\(session.screen())")
        try await send("draw a red circle on a blue background", in: session)
        #expect(session.screen().contains("picture 1"), "\(session.screen())")
        try await send("now make the circle green", in: session)
        #expect(session.screen().contains("picture 2"), "\(session.screen())")

        // The edited picture is on screen in the terminal's colours: green cells, no red ones.
        let palette = HalfBlockRenderer(colorMode: .palette256)
        func index(of colour: RGB) -> Int? {
            if case .palette256(let n) = palette.render(RGBImage(width: 2, height: 2, filledWith: colour), columns: 1).row(0)[0].foreground {
                return Int(n)
            }
            return nil
        }
        let (red, green, blue) = (RGB(220, 40, 40), RGB(50, 170, 70), RGB(40, 90, 220))
        let cells = ScreenColors.rows(session.screen(escapes: true)).suffix(40).flatMap { $0 }.filter { $0.character == "▀" }
        let greenCells = cells.filter { $0.foreground == index(of: green) || $0.background == index(of: green) }.count
        #expect(greenCells >= 20, "no green picture at the bottom of the screen:\n\(session.screen())")

        // Saved, the two pictures show the same blue background with the circle red, then green.
        var saved: [RGBImage] = []
        for number in 1 ... 2 {
            let path = stateDirectory.appendingPathComponent("edit-\(number).png").path
            try session.type("/image \(number) save \(path)")
            try session.press("Enter")
            #expect(await session.waitFor { $0.contains("Saved picture \(number)") }, "\(session.screen())")
            saved.append(try PNGReader.read(path: path).flattened())
        }
        let before = Self.shares(saved[0], nearestOf: [red, green, blue])
        let after = Self.shares(saved[1], nearestOf: [red, green, blue])
        #expect(before[0] > 0.02 && before[2] > 0.5, "picture 1 is not red on blue: \(before)")
        #expect(after[1] > 0.02 && after[0] < 0.005 && after[2] > 0.5, "picture 2 is not green on blue: \(after)")
        #expect(abs(after[1] - before[0]) < 0.02, "the circle changed size: red \(before[0]), green \(after[1])")
        try session.press("C-d")
        #expect(await session.waitFor { $0.contains("EXIT=0") })
    }

    @Test func ctrlCTwiceOnAnEmptyPromptQuitsAndSigtermOrSighupRestoresTheTerminal() async throws {
        defer { try? FileManager.default.removeItem(at: stateDirectory) }
        let session = try start(seed: 1)
        defer { session.close() }
        #expect(await session.waitFor { $0.contains("/help for commands") })
        try session.press("C-c")
        #expect(await session.waitFor { $0.contains("Press Ctrl+C again or Ctrl+D to quit") })
        try session.press("C-c")
        #expect(await session.waitFor { $0.contains("EXIT=0") && $0.contains("icanon") }, "\(session.screen())")

        #expect(try Self.terminalModes(session) == "0 0 0", "mouse reports or the alternate screen left on")
        for signal in [SIGTERM, SIGHUP] {
            try await expectSignalRestoresTheTerminal(signal)
        }
    }

    /// The pane's mouse reporting (standard, SGR) and alternate screen, "0 0 0" when all are off.
    static func terminalModes(_ session: TmuxSession) throws -> String {
        try session.tmux(["display", "-p", "-t", session.session, "#{mouse_standard_flag} #{mouse_sgr_flag} #{alternate_on}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `signal` sent to a running chat ends it with status 128 + signal and the terminal as it was.
    func expectSignalRestoresTheTerminal(_ signal: Int32) async throws {
        let session = try start(seed: 1)
        defer { session.close() }
        #expect(await session.waitFor { $0.contains("/help for commands") })
        #expect(try Self.terminalModes(session) == "1 1 1")
        let shell = try session.tmux(["display", "-p", "-t", session.session, "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
            .split(separator: " ").compactMap { Int32($0) }
        let chatPID = try #require(children.first)
        kill(chatPID, signal)
        #expect(await session.waitFor { $0.contains("EXIT=\(128 + signal)") && $0.contains("icanon") }, "signal \(signal): \(session.screen())")
        #expect(!session.screen().contains("-icanon") && !session.screen().contains("-echo"), "signal \(signal)")
        #expect(try Self.terminalModes(session) == "0 0 0", "signal \(signal): mouse reports or the alternate screen left on")
    }

    @Test func ctrlGEditsInTheEditorAndCopyReachesTheClipboard() async throws {
        defer { try? FileManager.default.removeItem(at: stateDirectory) }
        // An "editor" that edits without a screen, as a person would have.
        let session = try start(seed: 3, environment: "VISUAL='sed -i s/cat/dog/'")
        defer { session.close() }
        #expect(await session.waitFor { $0.contains("/help for commands") })
        _ = try session.tmux(["set-option", "-s", "set-clipboard", "on"])  // tmux keeps what OSC 52 sets
        try session.type("draw a cat")
        #expect(await session.waitFor { $0.contains("› draw a cat") })
        try session.press("C-g")
        #expect(await session.waitFor { $0.contains("› draw a dog") }, "\(session.screen())")
        try session.press("Enter")
        #expect(await session.waitFor { Self.replyEnded($0) }, "\(session.screen())")
        try await send("/copy", in: session, reply: false)
        #expect(await session.waitFor { $0.contains("copied the last reply") }, "\(session.screen())")
        let copied = try session.tmux(["show-buffer"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!copied.isEmpty, "nothing reached the clipboard")
        #expect(!copied.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }, "control characters copied")
        // The tiny model writes odd bytes; a plain word of its reply is on screen as copied.
        let word = copied.split { !$0.isLetter || !$0.isASCII }.first { $0.count >= 3 }.map(String.init)
        if let word { #expect(session.screen().contains(word), "\(word) not on screen") }
        try session.press("C-d")
        #expect(await session.waitFor { $0.contains("EXIT=0") && $0.contains("icanon") })
        #expect(!session.screen().contains("-icanon"))
    }

    @Test func aConversationIsSavedAsItGoesAndResumes() async throws {
        defer { try? FileManager.default.removeItem(at: stateDirectory) }
        let first = try start(seed: 2)
        defer { first.close() }
        #expect(await first.waitFor { $0.contains("/help for commands") })
        try await send("remember the blue square", in: first)
        try first.press("C-d")
        #expect(await first.waitFor { $0.contains("EXIT=0") })

        let second = try start(seed: 2, arguments: "--resume")
        defer { second.close() }
        #expect(await second.waitFor { $0.contains("Loaded session") }, "\(second.screen())")
        #expect(await second.waitFor { !Self.statusLine($0).contains("ctx 0/") }, "the resumed context is in use: \(second.screen())")
        #expect(second.screen().contains("remember the blue square"))
        try second.press("C-d")
        #expect(await second.waitFor { $0.contains("EXIT=0") })
    }
}
