import ChatEngine
import Foundation
import Imaging
import PNGCodec

/// Draws a picture from its VQ codes (the VQGAN decoder), or returns nil when it cannot. The
/// sessions module needs no decoder of its own: the app passes one in.
public typealias PictureRenderer = @Sendable (_ codes: [Int]) -> RGBImage?

/// Autosaves one session: call `save(_:)` after every user message, every completed reply and
/// every change to the conversation (undo, retry, settings).
///
/// Each save writes the new pictures (one PNG each, atomically), flushes the directory, then
/// replaces `session.json` atomically (temporary file, fsync, rename, fsync of the directory),
/// and only then removes picture files no turn refers to any more. A crash or `kill -9` at any
/// moment leaves either the previous or the new manifest, each with all its pictures.
///
/// The session directory is created at the first save, so a chat that is opened and closed
/// without a message leaves nothing behind. While a writer owns a session it holds a lock on it:
/// a second omnichat resuming the same session gets `sessionInUse`.
///
///     let writer = SessionWriter(store: .standard(), model: try ModelIdentity(checkpoint: checkpoint),
///                                renderer: { codes in /* the VQGAN's RGB decode of codes, or nil */ })
///     try await writer.save(engine.sessionSnapshot(pending: message))   // before the reply
///     for try await event in engine.respond(to: message) { … }
///     try await writer.save(engine.sessionSnapshot())                   // after it
public actor SessionWriter {
    public nonisolated let store: SessionStore
    public nonisolated let id: String
    /// The session's directory (it exists once the first save has completed).
    public nonisolated let directory: URL

    private let model: ModelIdentity
    private let renderer: PictureRenderer?
    private let created: Date
    private var turns: [SessionManifest.Turn]
    /// The engine's front-drop count at the last save, against which the next save counts the
    /// turns that left the context.
    private var frontDrops: FrontDrops?
    private var lock: FileLock?
    /// True once the session's directory is this writer's (created by it, or resumed).
    private var ownsDirectory: Bool
    /// Picture files by the hash of their codes (`picture-<hash>.png`) or the name a stored
    /// manifest gave them.
    private var files: [String: String] = [:]
    /// Pictures the renderer could not draw, so they are not tried on every save.
    private var unrenderable: Set<String> = []
    /// Called between the steps of a save; tests return an error from it to stop a save at that
    /// point, as a crash would.
    var faultInjection: (@Sendable (SaveStep) -> SessionError?)?

    /// The points between the steps of a save, in order.
    enum SaveStep: Equatable, Sendable {
        case directoryCreated, pictureWritten(String), picturesSynced, manifestWritten, cleanedUp
    }

    /// Installs a fault injector (tests only).
    func setFaultInjection(_ injector: (@Sendable (SaveStep) -> SessionError?)?) {
        faultInjection = injector
    }

    private func reached(_ step: SaveStep) throws(SessionError) {
        if let error = faultInjection?(step) { throw error }
    }

    /// A new session in `store`, written by `model` (the identity of the model the engine runs).
    public init(store: SessionStore, model: ModelIdentity, renderer: PictureRenderer?, now: Date = Date()) {
        self.store = store
        id = SessionStore.newID(now: now)
        directory = store.directory.appendingPathComponent(id)
        self.model = model
        self.renderer = renderer
        created = now
        turns = []
        ownsDirectory = false
    }

    /// A new session in the directory `directory` (`/save PATH`): the directory must not exist
    /// yet (an existing one is never written into: `outputExists`); its name is the id.
    public init(newSessionAt directory: URL, model: ModelIdentity, renderer: PictureRenderer?, now: Date = Date()) throws(SessionError) {
        let directory = URL(fileURLWithPath: SessionStore.expandingTilde(directory.path)).standardizedFileURL
        guard SessionManifest.isValidID(directory.lastPathComponent) else {
            throw .writeFailed(path: directory.path, reason: "a session directory's name must be 1 to 128 characters, without control characters or a leading \".\"")
        }
        guard !FileManager.default.fileExists(atPath: directory.path) else { throw .outputExists(path: directory.path) }
        store = SessionStore(directory: directory.deletingLastPathComponent())
        id = directory.lastPathComponent
        self.directory = directory
        self.model = model
        self.renderer = renderer
        created = now
        turns = []
        ownsDirectory = false
    }

    /// Continues a resumed session in its own directory; takes the session's lock.
    public init(continuing resumed: ResumedSession, store: SessionStore, renderer: PictureRenderer?) throws(SessionError) {
        let directory = resumed.session.directory
        self.init(continuing: resumed, store: store, renderer: renderer,
                  heldLock: try FileLock(path: directory.appendingPathComponent(Self.lockName).path, sessionPath: directory.path))
    }

    /// Continues a resumed session with its lock already taken (`StoredSession.resumeForWriting`).
    init(continuing resumed: ResumedSession, store: SessionStore, renderer: PictureRenderer?, heldLock: sending FileLock) {
        self.store = store
        id = resumed.session.id
        directory = resumed.session.directory
        model = resumed.model
        self.renderer = renderer
        created = resumed.session.manifest.created
        turns = resumed.history
        ownsDirectory = true
        lock = heldLock
        for turn in resumed.session.manifest.turns {
            for case .picture(let codes, let file?) in turn.segments { files[Self.pictureKey(codes)] = file }
        }
    }

    /// Lets go of the session's lock (also done when the writer is released).
    public func close() {
        lock?.release()
        lock = nil
    }

    /// What a save did.
    public struct SaveResult: Sendable, Equatable {
        /// The manifest written.
        public var manifestPath: String
        /// Turns in the session, in and out of the model's context.
        public var turns: Int
        /// Pictures saved as codes only (no decoder, or it failed).
        public var picturesWithoutFile: Int
    }

    /// Saves the conversation `snapshot` holds (see `InferenceEngine.sessionSnapshot`).
    @discardableResult
    public func save(_ snapshot: SessionSnapshot, now: Date = Date()) throws(SessionError) -> SaveResult {
        try openDirectoryIfNeeded()
        let current = zip(snapshot.messages, snapshot.messageTokenIDs).map { message, ids in
            SessionManifest.Turn(role: message.role == .user ? .user : .assistant, inContext: true,
                                 segments: message.segments.map { segment in
                                     switch segment {
                                     case .text(let text): .text(text)
                                     case .picture(let codes): .picture(codes: codes, file: nil)
                                     }
                                 },
                                 tokenIDs: ids)
        }
        var merged = TurnHistory.merge(known: turns, current: current, droppedFromFront: snapshot.frontDrops?.since(frontDrops),
                                       same: Self.sameContent)

        // 1. Pictures first: every file the new manifest names exists before it does.
        var withoutFile = 0
        var wroteAny = false
        for t in merged.indices {
            for s in merged[t].segments.indices {
                guard case .picture(let codes, _) = merged[t].segments[s] else { continue }
                let file = try pictureFile(for: codes, wrote: &wroteAny)
                if file == nil { withoutFile += 1 }
                merged[t].segments[s] = .picture(codes: codes, file: file)
            }
        }
        if wroteAny {
            try AtomicFiles.sync(directory: directory.path)
            try reached(.picturesSynced)
        }

        // 2. The manifest, replacing the previous one in one step.
        let manifest = SessionManifest(
            id: id, created: created, updated: max(now, created), title: Self.title(of: merged), model: model,
            sampling: SessionSampling(snapshot.options), beginningTokenIDs: snapshot.beginningTokenIDs, turns: merged)
        let manifestPath = directory.appendingPathComponent(SessionManifest.fileName).path
        try AtomicFiles.write(try manifest.encoded(), to: manifestPath, replacing: true)
        turns = merged
        frontDrops = snapshot.frontDrops
        try reached(.manifestWritten)

        // 3. Only now may files the old manifest named go.
        removeUnreferencedFiles(keeping: Set(merged.flatMap { turn in
            turn.segments.compactMap { if case .picture(_, let file?) = $0 { file } else { nil } }
        }))
        try reached(.cleanedUp)
        return SaveResult(manifestPath: manifestPath, turns: merged.count, picturesWithoutFile: withoutFile)
    }

    // MARK: - Steps

    static let lockName = ".lock"

    private func openDirectoryIfNeeded() throws(SessionError) {
        guard lock == nil else { return }
        if ownsDirectory {  // reopened after `close()`
            lock = try FileLock(path: directory.appendingPathComponent(Self.lockName).path, sessionPath: directory.path)
            return
        }
        try AtomicFiles.makeDirectories(store.directory.path)
        // A new session never writes into a directory that exists (an id collision, or a
        // `/save PATH` target created meanwhile).
        guard try AtomicFiles.makeDirectory(directory.path) else { throw .outputExists(path: directory.path) }
        try AtomicFiles.sync(directory: store.directory.path)
        ownsDirectory = true
        lock = try FileLock(path: directory.appendingPathComponent(Self.lockName).path, sessionPath: directory.path)
        try reached(.directoryCreated)
    }

    /// The PNG of a picture, drawn and written now if it has none yet; nil when it cannot be drawn.
    private func pictureFile(for codes: [Int], wrote: inout Bool) throws(SessionError) -> String? {
        let key = Self.pictureKey(codes)
        if let file = files[key], FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) {
            return file
        }
        guard let renderer, !unrenderable.contains(key) else { return nil }
        guard let image = renderer(codes), image.width > 0, image.height > 0 else {
            unrenderable.insert(key)
            return nil
        }
        let file = "picture-\(key).png"
        let bytes: [UInt8]
        do {
            bytes = try PNGWriter.encode(image, text: [("Software", "omnichat")], name: file)
        } catch {
            throw .writeFailed(path: directory.appendingPathComponent(file).path, reason: "\(error)")
        }
        try AtomicFiles.write(bytes, to: directory.appendingPathComponent(file).path, replacing: true, syncDirectory: false)
        files[key] = file
        wrote = true
        try reached(.pictureWritten(file))
        return file
    }

    /// Removes picture files this writer names (`picture-<hash>.png`) that no turn uses, and
    /// temporary files of interrupted saves. Other files are never touched.
    private func removeUnreferencedFiles(keeping referenced: Set<String>) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names {
            let stale = (Self.isGeneratedPictureName(name) && !referenced.contains(name))
                || (name.hasPrefix(".") && name.hasSuffix(AtomicFiles.temporarySuffix))
            if stale { try? FileManager.default.removeItem(atPath: directory.appendingPathComponent(name).path) }
        }
        files = files.filter { referenced.contains($0.value) }
    }

    // MARK: - Naming

    /// The first 16 hex digits of the SHA-256 of the codes (as 32-bit little-endian integers):
    /// the same picture always gets the same file, and a file never holds another picture.
    static func pictureKey(_ codes: [Int]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(codes.count * 4)
        for code in codes {
            let value = UInt32(truncatingIfNeeded: code)
            bytes += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
        }
        return String(SHA256.hash(bytes).hex.prefix(16))
    }

    static func isGeneratedPictureName(_ name: String) -> Bool {
        let hex = name.utf8.dropFirst(8).dropLast(4)
        return name.utf8.count == 28 && name.hasPrefix("picture-") && name.hasSuffix(".png")
            && hex.allSatisfy { (48 ... 57).contains($0) || (97 ... 102).contains($0) }
    }

    /// The same message, whatever its ids and files.
    static func sameContent(_ a: SessionManifest.Turn, _ b: SessionManifest.Turn) -> Bool {
        guard a.role == b.role, a.segments.count == b.segments.count else { return false }
        return zip(a.segments, b.segments).allSatisfy { x, y in
            switch (x, y) {
            case let (.text(p), .text(q)): Array(p.unicodeScalars) == Array(q.unicodeScalars)
            case let (.picture(p, _), .picture(q, _)): p == q
            default: false
            }
        }
    }

    /// The first line of the first user message, at most 60 characters, without control
    /// characters; "(picture)" for a message with only pictures, "(empty)" before any.
    static func title(of turns: [SessionManifest.Turn]) -> String {
        guard let first = turns.first(where: { $0.role == .user }) else { return "(empty)" }
        let text = first.segments.compactMap { if case .text(let t) = $0 { t } else { nil } }.joined()
        let line = SafeText.singleLine(text)
        if line.isEmpty {
            return first.segments.contains { if case .picture = $0 { true } else { false } } ? "(picture)" : "(empty)"
        }
        return line.count > 60 ? String(line.prefix(59)) + "…" : line
    }
}
