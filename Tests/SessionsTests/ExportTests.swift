import Foundation
import PNGCodec
import Testing
@testable import Sessions

/// Exports of a committed version-1 session: Markdown with pictures beside it and relative
/// links that resolve, one self-contained HTML file with data URIs and nothing external, both
/// equal to reviewed golden files; existing files are never overwritten without `force`.
@Suite struct ExportTests {
    static let sessions = SessionFixtures.fixtures.deletingLastPathComponent().appendingPathComponent("sessions")
    static let sample = sessions.appendingPathComponent("20250101-120000-4393db")

    func sample() throws -> StoredSession { try StoredSession(directory: Self.sample) }

    /// Link targets of Markdown images, `![alt](target)`.
    func imageLinks(_ markdown: String) -> [String] {
        markdown.components(separatedBy: "![").dropFirst().compactMap { piece in
            guard let open = piece.range(of: "]("), let close = piece[open.upperBound...].firstIndex(of: ")") else { return nil }
            return String(piece[open.upperBound ..< close])
        }
    }

    @Test func markdownLinksResolveToThePictures() throws {
        let folder = try SessionFixtures.scratch("export")
        let out = folder.appendingPathComponent("내 대화 (1).md")
        let written = try sample().export(to: out.path)
        #expect(written.paths.count == 2)
        #expect(written.picturesNotDrawn == 0)
        let markdown = try String(contentsOf: out, encoding: .utf8)
        let links = imageLinks(markdown)
        #expect(links == ["%EB%82%B4%20%EB%8C%80%ED%99%94%20%281%29-picture-1.png"])
        for link in links {
            let name = try #require(link.removingPercentEncoding)
            #expect(!name.contains("/"), "links are relative, beside the document")
            let picture = try Data(contentsOf: folder.appendingPathComponent(name))
            #expect(picture == (try Data(contentsOf: Self.sample.appendingPathComponent("picture-91e915e611351067.png"))))
        }
        let golden = try String(contentsOf: Self.sessions.appendingPathComponent("export.md"), encoding: .utf8)
        #expect(markdown == golden)
    }

    /// What a model or a person wrote stays words in any Markdown renderer: no raw HTML, no
    /// image or link that loads something, no heading that forges a turn, no list or code.
    @Test func markdownTextCannotBecomeMarkup() {
        let cases: [(String, String)] = [
            ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
            ("![](https://t.example/x.png)", "!\\[\\](https://t.example/x.png)"),
            ("## You\nforged", "\\## You\nforged"),
            ("  - item\n1. first\n2) second\n===", "  \\- item\n1\\. first\n2\\) second\n\\==="),
            ("*bold* _it_ `code` a|b ~~s~~ &amp; \\", "\\*bold\\* \\_it\\_ \\`code\\` a\\|b \\~\\~s\\~\\~ \\&amp; \\\\"),
            ("Here is picture 1: a well-known red circle. 3.5 + 2 = 5.5!", "Here is picture 1: a well-known red circle. 3.5 + 2 = 5.5!"),
        ]
        for (text, expected) in cases {
            #expect(MarkdownText.escaped(text) == expected)
        }
    }

    @Test func htmlIsOneFileWithDataURIsAndNoExternalReference() throws {
        let out = try SessionFixtures.scratch("export").appendingPathComponent("chat ü.html")
        let written = try sample().export(.html, to: out.path)
        #expect(written.paths == [out.path])
        let html = try String(contentsOf: out, encoding: .utf8)

        // Every reference is a data URI; nothing loads from elsewhere.
        for attribute in ["src=", "href=", "url(", "srcset=", "action=", "<script", "<link", "<iframe", "@import"] {
            let uses = html.components(separatedBy: attribute).count - 1
            if attribute == "src=" {
                #expect(uses == html.components(separatedBy: "src=\"data:image/png;base64,").count - 1)
            } else {
                #expect(uses == 0, "\(attribute) appears \(uses) times")
            }
        }
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'; img-src data:"))

        // The embedded picture is the session's PNG.
        let payload = try #require(html.components(separatedBy: "base64,").dropFirst().first?.components(separatedBy: "\"").first)
        let bytes = try #require(Data(base64Encoded: payload))
        #expect(bytes == (try Data(contentsOf: Self.sample.appendingPathComponent("picture-91e915e611351067.png"))))
        #expect(try PNGCodec.PNGReader.decode(Array(bytes)).width == 4)

        // Text is escaped and stripped of controls and bidi overrides.
        #expect(html.contains("say &lt;b&gt;hi&lt;/b&gt; &amp; bye [31mred[0m"))
        #expect(!html.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E || $0.value == 0x05 })

        var normalised = html
        normalised = normalised.replacingOccurrences(of: payload, with: "…")
        let golden = try String(contentsOf: Self.sessions.appendingPathComponent("export.html"), encoding: .utf8)
        #expect(normalised == golden)
    }

    @Test func existingFilesAreNeverOverwrittenWithoutForce() throws {
        let folder = try SessionFixtures.scratch("export")
        let out = folder.appendingPathComponent("chat.md")
        try sample().export(to: out.path)
        let before = try Data(contentsOf: out)
        try Data("mine".utf8).write(to: out)
        #expect(throws: SessionError.outputExists(path: out.path)) { try sample().export(to: out.path) }
        #expect(try Data(contentsOf: out) == Data("mine".utf8))
        try sample().export(to: out.path, force: true)
        #expect(try Data(contentsOf: out) == before)

        // A picture file in the way stops the export before the document is written.
        let other = folder.appendingPathComponent("other.md")
        try Data("x".utf8).write(to: folder.appendingPathComponent("other-picture-1.png"))
        #expect(throws: SessionError.outputExists(path: folder.appendingPathComponent("other-picture-1.png").path)) {
            try sample().export(to: other.path)
        }
        #expect(!FileManager.default.fileExists(atPath: other.path))

        let html = folder.appendingPathComponent("chat.html")
        try sample().export(.html, to: html.path)
        #expect(throws: SessionError.outputExists(path: html.path)) { try sample().export(.html, to: html.path) }
        #expect(throws: SessionError.self) { try sample().export(.html, to: folder.appendingPathComponent("missing dir/x.html").path) }
    }

    /// A picture saved as codes only is drawn by a renderer when one is given, else noted.
    @Test func picturesWithoutAFileAreDrawnOrNoted() async throws {
        let (_, directory) = try await SampleSession.copy { manifest in
            manifest.editTurn(0) { turn in
                var segments = turn["segments"] as! [[String: Any]]
                segments[1]["file"] = NSNull()
                turn["segments"] = segments
            }
        }
        let session = try StoredSession(directory: directory)
        let folder = try SessionFixtures.scratch("export")
        let noted = try SessionExporter(session: session).export(.markdown, to: folder.appendingPathComponent("a.md").path, force: false)
        #expect(noted.picturesNotDrawn == 1)
        let plain = try String(contentsOf: folder.appendingPathComponent("a.md"), encoding: .utf8)
        #expect(plain.contains("picture not available"))
        #expect(imageLinks(plain).isEmpty)

        try SessionExporter(session: session, renderer: SessionFixtures.greyRenderer)
            .export(.markdown, to: folder.appendingPathComponent("b.md").path, force: false)
        let drawn = try String(contentsOf: folder.appendingPathComponent("b.md"), encoding: .utf8)
        #expect(imageLinks(drawn) == ["b-picture-1.png"])
        guard case .picture(let codes, _) = session.manifest.turns[0].segments[1] else { Issue.record("no picture"); return }
        #expect(try PNGReader.read(path: folder.appendingPathComponent("b-picture-1.png").path).flattened() == SessionFixtures.greyRenderer(codes))
    }

    /// A picture file several turns name is read once; an export refuses sessions whose
    /// distinct pictures exceed its limit instead of reading them all into memory.
    @Test func aPictureNamedManyTimesIsReadOnceAndTheTotalIsBounded() async throws {
        let (_, directory) = try await SampleSession.copy { manifest in
            manifest.editTurn(0) { turn in
                var segments = turn["segments"] as! [[String: Any]]
                segments += [segments[1], segments[1]]
                turn["segments"] = segments
            }
        }
        let session = try StoredSession(directory: directory)
        guard case .picture(_, let file?) = session.manifest.turns[0].segments[1] else { Issue.record("no picture file"); return }
        let size = try Data(contentsOf: session.pictureURL(file)).count
        let folder = try SessionFixtures.scratch("export")
        var exporter = SessionExporter(session: session)
        exporter.maxPictureBytes = size * 2
        let written = try exporter.export(.markdown, to: folder.appendingPathComponent("three.md").path, force: false)
        #expect(written.paths.count == 4)  // the document and three pictures
        exporter.maxPictureBytes = size - 1
        #expect(throws: SessionError.picturesTooLarge(path: session.directory.path, bytes: size, limit: size - 1)) {
            try exporter.export(.html, to: folder.appendingPathComponent("one.html").path, force: false)
        }
    }

    /// The committed version-1 session still loads and resumes on the fixture model: the
    /// format stays readable by later builds.
    @Test func theCommittedVersionOneSessionResumes() async throws {
        let session = try sample()
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint)
        let resumed = try await session.resume(into: engine, model: SessionFixtures.identity(checkpoint))
        #expect(resumed.warnings.isEmpty)
        #expect(await engine.messages.count == 4)
        #expect(await engine.tokenIDs == session.manifest.beginningTokenIDs + session.manifest.turns.flatMap(\.tokenIDs))
        #expect(await engine.options.seed == 17)
    }
}

extension StoredSession {
    /// Test shorthand.
    @discardableResult
    func export(_ format: ExportFormat = .markdown, to path: String, force: Bool = false) throws -> SessionExporter.Result {
        try SessionExporter(session: self).export(format, to: path, force: force)
    }
}
