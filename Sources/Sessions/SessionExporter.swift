import Foundation
import PNGCodec

/// Formats a session can be exported to.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// Markdown, with each picture as a PNG file beside it and relative links.
    case markdown = "md"
    /// One self-contained HTML file: pictures embedded as data URIs, no external references.
    case html
}

/// Writes a session as a document to share. Existing files are never overwritten unless
/// `force` is set; every target is checked before anything is written.
///
///     let result = try SessionExporter(session: session).export(.markdown, to: "~/chat.md", force: false)
public struct SessionExporter: Sendable {
    public let session: StoredSession
    /// Draws pictures that were saved as codes only; without it they appear as a note.
    public var renderer: PictureRenderer?
    /// The most picture bytes an export reads into memory (each file once, however many turns
    /// name it); a session with more is refused (`picturesTooLarge`).
    public var maxPictureBytes = 1 << 30

    public init(session: StoredSession, renderer: PictureRenderer? = nil) {
        self.session = session
        self.renderer = renderer
    }

    /// What an export wrote.
    public struct Result: Sendable, Equatable {
        /// The files written, the document first.
        public var paths: [String]
        /// Pictures shown as a note because they were saved as codes only and could not be drawn.
        public var picturesNotDrawn: Int
    }

    /// Writes the export. `path` may start with `~`; its directory must exist.
    @discardableResult
    public func export(_ format: ExportFormat, to path: String, force: Bool) throws(SessionError) -> Result {
        let target = URL(fileURLWithPath: SessionStore.expandingTilde(path)).standardizedFileURL
        let folder = target.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .writeFailed(path: target.path, reason: "the directory \(folder.path) does not exist")
        }
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .writeFailed(path: target.path, reason: "it is a directory")
        }
        let pictures = try pictureBytes()
        let notDrawn = pictures.filter { $0 == nil }.count
        switch format {
        case .markdown:
            let stem = target.deletingPathExtension().lastPathComponent
            let names = pictures.indices.map { "\(stem)-picture-\($0 + 1).png" }
            var files: [(path: String, bytes: [UInt8])] = []
            for (name, bytes) in zip(names, pictures) {
                if let bytes { files.append((folder.appendingPathComponent(name).path, bytes)) }
            }
            let document = ExportDocuments.markdown(session.manifest, pictureLinks: zip(names, pictures).map { $1 == nil ? nil : $0 })
            files.insert((target.path, Array(document.utf8)), at: 0)
            try refuseExisting(files.map(\.path), force: force)
            // Pictures before the document that links to them.
            for file in files.dropFirst() { try AtomicFiles.write(file.bytes, to: file.path, replacing: force) }
            try AtomicFiles.write(files[0].bytes, to: files[0].path, replacing: force)
            return Result(paths: files.map(\.path), picturesNotDrawn: notDrawn)
        case .html:
            let document = ExportDocuments.html(session.manifest, pictures: pictures)
            try refuseExisting([target.path], force: force)
            try AtomicFiles.write(Array(document.utf8), to: target.path, replacing: force)
            return Result(paths: [target.path], picturesNotDrawn: notDrawn)
        }
    }

    private func refuseExisting(_ paths: [String], force: Bool) throws(SessionError) {
        guard !force else { return }
        for path in paths where FileManager.default.fileExists(atPath: path) {
            throw .outputExists(path: path)
        }
    }

    /// The PNG bytes of every picture in order: its saved file, or a fresh drawing, or nil. A
    /// file several turns name is read once; pictures past `maxPictureBytes` in all are refused.
    private func pictureBytes() throws(SessionError) -> [[UInt8]?] {
        var result: [[UInt8]?] = []
        var read: [String: [UInt8]] = [:]
        var total = 0
        for turn in session.manifest.turns {
            for case .picture(let codes, let file) in turn.segments {
                if let file {
                    if let bytes = read[file] {
                        result.append(bytes)
                        continue
                    }
                    let path = session.pictureURL(file).path
                    let bytes = Array(try AtomicFiles.read(path, limit: PNGLimits().maxFileBytes))
                    total += bytes.count
                    if total > maxPictureBytes {
                        throw .picturesTooLarge(path: session.directory.path, bytes: total, limit: maxPictureBytes)
                    }
                    read[file] = bytes
                    result.append(bytes)
                } else if let renderer, let image = renderer(codes), image.width > 0, image.height > 0 {
                    result.append(try? PNGWriter.encode(image, text: [("Software", "omnichat")]))
                } else {
                    result.append(nil)
                }
            }
        }
        return result
    }
}
