import Foundation

/// Where sessions live, and how they are listed, found and read.
///
/// One directory per session in `$OMNICHAT_DATA_DIR/sessions` when that variable is set, else
/// `$XDG_DATA_HOME/omnichat/sessions`, else `~/.local/share/omnichat/sessions`. Reading never
/// modifies anything.
///
///     let store = try SessionStore.standard()
///     let session = try store.load("latest")
public struct SessionStore: Sendable {
    /// The directory holding one subdirectory per session.
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory.standardizedFileURL
    }

    /// The store the environment names (see the type's documentation).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> SessionStore {
        SessionStore(directory: dataDirectory(environment: environment).appendingPathComponent("sessions"))
    }

    /// omnichat's data directory: `$OMNICHAT_DATA_DIR`, `$XDG_DATA_HOME/omnichat` (an absolute
    /// path, as the XDG specification requires), or `~/.local/share/omnichat`.
    public static func dataDirectory(environment: [String: String]) -> URL {
        if let custom = environment["OMNICHAT_DATA_DIR"], !custom.isEmpty {
            return URL(fileURLWithPath: expandingTilde(custom, environment: environment))
        }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("omnichat")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/omnichat")
    }

    /// `~` and `~/…` with the environment's home directory.
    public static func expandingTilde(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    // MARK: - Listing

    /// What `omnichat sessions` shows of a session.
    public struct Summary: Sendable, Equatable, Codable {
        public var id: String
        public var path: String
        public var created: String
        public var updated: String
        public var title: String
        public var turns: Int
        public var pictures: Int
    }

    /// Every readable session, most recently updated first, and the problems of those that
    /// could not be read. Directories without a manifest (a session whose first save never
    /// completed) are skipped silently.
    public func list() -> (sessions: [Summary], problems: [SessionError]) {
        var loaded: [StoredSession] = []
        var problems: [SessionError] = []
        for url in sessionDirectories() {
            do {
                loaded.append(try StoredSession(directory: url))
            } catch .notASessionDirectory {
                continue
            } catch {
                problems.append(error)
            }
        }
        let sessions = Self.newestFirst(loaded).map { session in
            let manifest = session.manifest
            return Summary(
                id: session.id, path: session.directory.path,
                created: SessionDate.string(from: manifest.created), updated: SessionDate.string(from: manifest.updated),
                title: manifest.title, turns: manifest.turns.count,
                pictures: manifest.turns.reduce(0) { count, turn in
                    count + turn.segments.filter { if case .picture = $0 { true } else { false } }.count
                })
        }
        return (sessions, problems)
    }

    // MARK: - Finding one session

    /// The directory of the session `reference` names:
    /// - `latest`: the most recently updated readable session;
    /// - a path (holding `/`, or starting with `~` or `.`): that session directory, or its
    ///   `session.json`;
    /// - an id, or an unambiguous beginning of one.
    public func resolve(_ reference: String) throws(SessionError) -> URL {
        if reference == "latest" {
            var readable: [StoredSession] = []
            for url in sessionDirectories() {
                if let session = try? StoredSession(directory: url) { readable.append(session) }
            }
            guard let newest = Self.newestFirst(readable).first else {
                throw .noSuchSession(reference: reference, directory: directory.path)
            }
            return newest.directory
        }
        if reference.contains("/") || reference.hasPrefix("~") || reference.hasPrefix(".") {
            var url = URL(fileURLWithPath: Self.expandingTilde(reference)).standardizedFileURL
            if url.lastPathComponent == SessionManifest.fileName { url.deleteLastPathComponent() }
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent(SessionManifest.fileName).path) else {
                throw .notASessionDirectory(path: url.path)
            }
            return url
        }
        let ids = sessionDirectories().map(\.lastPathComponent)
        if ids.contains(reference) { return directory.appendingPathComponent(reference) }
        let matches = ids.filter { !reference.isEmpty && $0.hasPrefix(reference) }
        if matches.count == 1 { return directory.appendingPathComponent(matches[0]) }
        if matches.count > 1 { throw .ambiguousSession(reference: reference, matches: matches.sorted()) }
        throw .noSuchSession(reference: reference, directory: directory.path)
    }

    /// Reads and validates the session `reference` names (see `resolve(_:)`).
    public func load(_ reference: String) throws(SessionError) -> StoredSession {
        try StoredSession(directory: resolve(reference))
    }

    // MARK: - New sessions

    /// A fresh id: the UTC creation time and six random hex digits (`20250601-142501-3fa9c2`),
    /// so ids sort by age and never collide in practice.
    public static func newID(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let random = String(UInt32.random(in: 0 ..< 1 << 24), radix: 16)
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "-" + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2)
            + "-" + String(repeating: "0", count: 6 - random.count) + random
    }

    // MARK: - Helpers

    /// Visible subdirectories of the store (no hidden names), sorted by name.
    func sessionDirectories() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { name in
            var isDirectory: ObjCBool = false
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
            return url
        }
    }

    static func newestFirst(_ sessions: [StoredSession]) -> [StoredSession] {
        sessions.sorted { a, b in
            a.manifest.updated != b.manifest.updated ? a.manifest.updated > b.manifest.updated : a.id > b.id
        }
    }
}

/// A session read from disk and validated (shape, version, ranges, picture files). Whether a
/// model can continue it is `resume(into:model:allowModelMismatch:)`'s to check.
public struct StoredSession: Sendable, Equatable {
    /// The session directory; its name is the session's id.
    public let directory: URL
    public let manifest: SessionManifest

    public var id: String { directory.lastPathComponent }
    public var manifestPath: String { directory.appendingPathComponent(SessionManifest.fileName).path }

    /// Reads `directory/session.json` and validates it and the files it names. Nothing is
    /// written, whatever the outcome.
    public init(directory: URL) throws(SessionError) {
        self.directory = directory.standardizedFileURL
        let path = self.directory.appendingPathComponent(SessionManifest.fileName).path
        guard FileManager.default.fileExists(atPath: path) else { throw .notASessionDirectory(path: self.directory.path) }
        let data = try AtomicFiles.read(path, limit: SessionLimits.maxManifestBytes)
        let manifest = try SessionManifest.decode(data, path: path)
        try manifest.validateFiles(in: self.directory, manifestPath: path)
        self.manifest = manifest
    }

    /// The file of a picture, when one was saved.
    public func pictureURL(_ file: String) -> URL { directory.appendingPathComponent(file) }
}
