import ChameleonModel
import ChatEngine
import Foundation
import Testing
@testable import Sessions

/// Where sessions live and how they are named: XDG, the override variable, ids, `latest`,
/// prefixes and paths with spaces, `~` and non-ASCII names.
@Suite struct StoreTests {
    @Test func dataDirectoryFollowsXDGWithAnOverride() {
        let home = "/home/ünï"
        #expect(SessionStore.standard(environment: ["HOME": home]).directory.path == "/home/ünï/.local/share/omnichat/sessions")
        #expect(SessionStore.standard(environment: ["HOME": home, "XDG_DATA_HOME": "/data/x y"]).directory.path == "/data/x y/omnichat/sessions")
        // A relative XDG_DATA_HOME is invalid by the specification and ignored.
        #expect(SessionStore.standard(environment: ["HOME": home, "XDG_DATA_HOME": "relative"]).directory.path == "/home/ünï/.local/share/omnichat/sessions")
        #expect(SessionStore.standard(environment: ["HOME": home, "XDG_DATA_HOME": "/data", "OMNICHAT_DATA_DIR": "~/my chats"]).directory.path
                == "/home/ünï/my chats/sessions")
    }

    @Test func idsSortByCreationAndAreSafeNames() {
        let early = SessionStore.newID(now: Date(timeIntervalSince1970: 1_700_000_000))
        let late = SessionStore.newID(now: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(early.hasPrefix("20231114-221320-"))
        #expect(early < late)
        #expect(early.count == 22)
        #expect(SessionManifest.isValidID(early))
    }

    /// Two sessions, listed newest first, found by `latest`, id, prefix and path.
    @Test func sessionsAreListedAndResolved() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let identity = try SessionFixtures.identity(checkpoint)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        var ids: [String] = []
        for (index, text) in ["first \u{1B}[31mred\u{1B}[0m chat", "second chat"].enumerated() {
            let engine = try SessionFixtures.engine(checkpoint)
            let writer = SessionWriter(store: store, model: identity, renderer: SessionFixtures.greyRenderer,
                                       now: Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 100))
            try await writer.save(engine.sessionSnapshot(pending: .user(text)), now: Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 100 + 5))
            ids.append(writer.id)
            await writer.close()
        }
        // A directory whose first save never completed is not listed.
        try FileManager.default.createDirectory(at: store.directory.appendingPathComponent("20990101-000000-abcdef"), withIntermediateDirectories: true)

        let listing = store.list()
        #expect(listing.problems.isEmpty)
        #expect(listing.sessions.map(\.id) == ids.reversed())
        #expect(listing.sessions[1].title == "first [31mred[0m chat", "control characters are removed from titles")
        #expect(listing.sessions[0].turns == 1)
        #expect(listing.sessions[0].created == "2023-11-14T22:15:00.000Z")
        #expect(listing.sessions[0].updated == "2023-11-14T22:15:05.000Z")

        #expect(try store.resolve("latest").lastPathComponent == ids[1])
        #expect(try store.resolve(ids[0]).lastPathComponent == ids[0])
        #expect(try store.resolve(String(ids[0].prefix(15))).lastPathComponent == ids[0])
        #expect(throws: SessionError.ambiguousSession(reference: "2023", matches: ids.sorted())) { try store.resolve("2023") }
        #expect(throws: SessionError.noSuchSession(reference: "nope", directory: store.directory.path)) { try store.resolve("nope") }
        let path = store.directory.appendingPathComponent(ids[0]).path
        #expect(try store.resolve(path).path == path)
        #expect(try store.resolve(path + "/session.json").path == path)
        #expect(throws: SessionError.notASessionDirectory(path: store.directory.path)) { try store.resolve(store.directory.path) }
    }

    @Test func tildePathsUseTheHomeDirectory() {
        #expect(SessionStore.expandingTilde("~/chats/a b", environment: ["HOME": "/home/ü"]) == "/home/ü/chats/a b")
        #expect(SessionStore.expandingTilde("~", environment: ["HOME": "/home/ü"]) == "/home/ü")
        #expect(SessionStore.expandingTilde("a/~", environment: ["HOME": "/home/ü"]) == "a/~")
    }

    @Test func anEmptyStoreHasNoLatest() throws {
        let store = SessionStore(directory: try SessionFixtures.scratch().appendingPathComponent("none"))
        #expect(store.list().sessions.isEmpty)
        #expect(throws: SessionError.noSuchSession(reference: "latest", directory: store.directory.path)) { try store.resolve("latest") }
    }
}
