import ArgumentParser
import ChameleonModel
import ChatUI
import FileIO
import Foundation
import Sessions

/// `omnichat sessions`: the saved conversations, newest first.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List saved chat sessions, most recently updated first.",
        discussion: """
            Sessions live in $OMNICHAT_DATA_DIR/sessions, else $XDG_DATA_HOME/omnichat/sessions, \
            else ~/.local/share/omnichat/sessions. Sessions that cannot be read are reported on \
            standard error and left untouched.
            """)

    @Flag(name: .long, help: "Print a JSON array of {\"id\", \"path\", \"created\", \"updated\", \"title\", \"turns\", \"pictures\"}.")
    var json = false
    @Flag(name: .long, help: "Print the directory that holds the sessions and exit.")
    var path = false

    func run() throws {
        let store = SessionStore.standard()
        if path {
            TerminalText.print(store.directory.path)
            return
        }
        let listing = store.list()
        for problem in listing.problems { printError("omnichat: warning: \(TerminalText.safe(problem.description))") }
        if json {
            try printJSON(listing.sessions)
            return
        }
        guard !listing.sessions.isEmpty else {
            printError("no saved sessions in \(store.directory.path)")
            return
        }
        let rows = [["ID", "UPDATED", "TURNS", "PICTURES", "TITLE"]] + listing.sessions.map { session in
            [session.id, Self.shortDate(session.updated), String(session.turns), String(session.pictures), session.title]
        }
        let widths = (0 ..< 4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = (0 ..< 4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            TerminalText.print((padded + [row[4]]).joined(separator: "  "))
        }
    }

    /// `2025-01-01T12:01:30.000Z` → `2025-01-01 12:01` (UTC, as stored).
    static func shortDate(_ iso: String) -> String {
        guard iso.count >= 16 else { return iso }
        return iso.prefix(10) + " " + iso.dropFirst(11).prefix(5)
    }
}

/// `omnichat export`: a session as Markdown or HTML to share.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a saved session as Markdown (pictures as files beside it) or one HTML file.",
        discussion: """
            Markdown links to PNG files written beside the document (NAME-picture-1.png, ...); \
            HTML embeds the pictures as data URIs and refers to nothing outside the file. \
            Existing files are never overwritten unless --force is given.
            """)

    @Argument(help: ArgumentHelp("The session: its id (or the start of it), latest, or its directory.", valueName: "ID|latest"))
    var session: String
    @Option(name: .long, help: "md or html.")
    var format: ExportFormatOption
    @Option(name: .long, help: ArgumentHelp("The file to write (~ is expanded; its directory must exist).", valueName: "PATH"))
    var out: String
    @Flag(name: .long, help: "Overwrite existing files.")
    var force = false
    @Option(name: .long, help: ArgumentHelp("Draw pictures saved as codes only with this model's VQGAN (default: the session's model, if its directory still holds the same config.json).", valueName: "DIR"))
    var model: String?

    func run() throws {
        let store = SessionStore.standard()
        let stored = try store.load(session)
        let renderer = try renderer(for: stored)
        let result = try SessionExporter(session: stored, renderer: renderer).export(format.format, to: out, force: force)
        for path in result.paths { TerminalText.print(path) }
        if result.picturesNotDrawn > 0 {
            printError("omnichat: note: \(result.picturesNotDrawn) picture(s) were saved as codes only and could not be drawn; pass --model DIR with the session's model to draw them")
        }
    }

    /// A VQGAN decoder for pictures without a PNG: `--model`, else the session's own model when
    /// it is still where it was with the same config. Only loaded when a picture needs it.
    private func renderer(for session: StoredSession) throws -> PictureRenderer? {
        let needsDrawing = session.manifest.turns.contains { turn in
            turn.segments.contains { if case .picture(_, nil) = $0 { true } else { false } }
        }
        guard needsDrawing else { return nil }
        if let model {
            return try vqganPictureRenderer(directory: URL(fileURLWithPath: SessionStore.expandingTilde(model)))
        }
        let recorded = URL(fileURLWithPath: session.manifest.model.directory)
        guard let config = try? FileIO.read(recorded.appendingPathComponent("config.json").path, limit: ChameleonConfig.maxFileBytes),
              SHA256.hash(config).hex == session.manifest.model.configSHA256 else { return nil }
        return try? vqganPictureRenderer(directory: recorded)
    }
}

/// `--format md|html`.
struct ExportFormatOption: ExpressibleByArgument {
    let format: ExportFormat
    init?(argument: String) {
        guard let format = ExportFormat(rawValue: argument.lowercased() == "markdown" ? "md" : argument.lowercased()) else { return nil }
        self.format = format
    }
    static var allValueStrings: [String] { ExportFormat.allCases.map(\.rawValue) }
}

