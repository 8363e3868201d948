import ChameleonModel
import ChatEngine
import Foundation
import Testing
@testable import Sessions

/// Autosave under interruption: a save stopped after any of its steps leaves a session that
/// loads, holding either the turns before the save or after it, with every picture it names.
@Suite struct WriterSafetyTests {
    /// Thrown by the fault injector in place of a crash.
    static let crash = SessionError.writeFailed(path: "(simulated crash)", reason: "stopped")

    /// The position of a step in a save.
    static func position(_ step: SessionWriter.SaveStep) -> Int {
        switch step {
        case .directoryCreated: 0
        case .pictureWritten: 1
        case .picturesSynced: 2
        case .manifestWritten: 3
        case .cleanedUp: 4
        }
    }

    static func injector(stoppingAt position: Int) -> @Sendable (SessionWriter.SaveStep) -> SessionError? {
        { step in Self.position(step) == position ? Self.crash : nil }
    }

    @Test func aSaveStoppedAfterAnyStepLeavesALoadableSession() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let identity = try SessionFixtures.identity(checkpoint)
        for index in 0 ..< 5 {
            for failingSave in 0 ..< 3 {
                let engine = try SessionFixtures.engine(checkpoint)
                let store = SessionStore(directory: try SessionFixtures.scratch())
                let writer = SessionWriter(store: store, model: identity, renderer: SessionFixtures.greyRenderer)
                let messages: [ChatMessage] = [
                    ChatMessage(role: .user, segments: [.text("look"), .picture(codes: SessionFixtures.pictureCodes(checkpoint, seed: 30))]),
                    ChatMessage(role: .user, segments: [.picture(codes: SessionFixtures.pictureCodes(checkpoint, seed: 31)), .text("and this")]),
                    .user("thanks"),
                ]
                var completed: [[ChatMessage]] = [[]]  // the turns after each save that finished
                var saves = 0
                var attempted: [ChatMessage] = []
                func save(_ snapshot: SessionSnapshot) async throws -> Bool {
                    attempted = snapshot.messages
                    let armed = saves == failingSave
                    saves += 1
                    await writer.setFaultInjection(armed ? Self.injector(stoppingAt: index) : nil)
                    do {
                        try await writer.save(snapshot)
                    } catch where error == Self.crash {
                        return false
                    }
                    completed.append(snapshot.messages)
                    return true
                }
                var stopped = false
                for message in messages where !stopped {
                    if try await !save(engine.sessionSnapshot(pending: message)) { stopped = true; break }
                    try await SessionFixtures.reply(engine, message)
                    if try await !save(engine.sessionSnapshot()) { stopped = true }
                }
                await writer.close()

                let label = "step \(index), save \(failingSave)"
                let manifestExists = FileManager.default.fileExists(atPath: writer.directory.appendingPathComponent("session.json").path)
                if !manifestExists {
                    #expect(completed.count == 1, "\(label): saves completed but no manifest")
                    continue
                }
                let session = try StoredSession(directory: writer.directory)
                let loaded = session.manifest.turns.map(\.chatMessage)
                // Stopped before the manifest's rename: the last completed save; after it: the new one.
                let expected = stopped && index >= 3 ? attempted : completed.last!
                #expect(loaded == expected, "\(label): loaded \(loaded.count) turns, expected \(expected.count)")
                _ = try await session.resume(into: try SessionFixtures.engine(checkpoint), model: identity)
            }
        }
    }

    /// A lock let go of a moment later (as when a child being started still shares the closed
    /// descriptor until its exec) is waited for; one held on is another omnichat's.
    @Test func aLockReleasedAMomentLaterIsWaitedFor() throws {
        let path = try SessionFixtures.scratch("lock").appendingPathComponent(".lock").path
        let holder = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(holder >= 0 && flock(holder, LOCK_EX | LOCK_NB) == 0)
        #expect(throws: SessionError.sessionInUse(path: "s")) { _ = try FileLock(path: path, sessionPath: "s", busyWait: 0.05) }
        let letGo = Thread { usleep(50_000); close(holder) }
        letGo.start()
        let lock = try FileLock(path: path, sessionPath: "s", busyWait: 2)
        lock.release()
    }

    @Test func aSecondWriterCannotTakeALockedSession() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let identity = try SessionFixtures.identity(checkpoint)
        let engine = try SessionFixtures.engine(checkpoint)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: identity, renderer: nil)
        try await SessionFixtures.converse(engine, writer: writer, messages: [.user("hi")])

        let session = try store.load(writer.id)
        let resumed = try await session.resume(into: try SessionFixtures.engine(checkpoint), model: identity)
        #expect(throws: SessionError.sessionInUse(path: writer.directory.path)) {
            _ = try SessionWriter(continuing: resumed, store: store, renderer: nil)
        }
        await writer.close()
        let second = try SessionWriter(continuing: resumed, store: store, renderer: nil)
        await second.close()
    }

    /// `/load` of a session another omnichat holds fails before the engine changes: the chat keeps
    /// the conversation it shows and saves, instead of answering from the other session's context
    /// and writing that context over its own session at the next save.
    @Test func resumingALockedSessionForWritingLeavesTheEngineAsItWas() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let identity = try SessionFixtures.identity(checkpoint)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let holder = SessionWriter(store: store, model: identity, renderer: nil)
        try await SessionFixtures.converse(try SessionFixtures.engine(checkpoint), writer: holder, messages: [.user("hi")])

        let current = try SessionFixtures.engine(checkpoint)
        let currentWriter = SessionWriter(store: store, model: identity, renderer: nil)
        try await SessionFixtures.converse(current, writer: currentWriter, messages: [.user("something else entirely")])
        let before = await current.sessionSnapshot()
        let held = try store.load(holder.id)
        await #expect(throws: SessionError.sessionInUse(path: holder.directory.path)) {
            _ = try await held.resumeForWriting(into: current, model: identity, store: store, renderer: nil)
        }
        #expect(await current.sessionSnapshot() == before)

        await holder.close()
        let (resumed, writer) = try await held.resumeForWriting(into: current, model: identity, store: store, renderer: nil)
        #expect(resumed.messages == held.manifest.turns.map(\.chatMessage))
        #expect(await current.sessionSnapshot().messages == resumed.messages)
        // The writer holds the lock it was handed: a third writer cannot take the session.
        #expect(throws: SessionError.sessionInUse(path: holder.directory.path)) {
            _ = try SessionWriter(continuing: resumed, store: store, renderer: nil)
        }
        await writer.close()
        await currentWriter.close()
    }

    /// Leftovers of interrupted saves (temporary files, pictures no turn names) are removed by
    /// the next save; files the writer did not make are never touched.
    @Test func theNextSaveRemovesLeftovers() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let identity = try SessionFixtures.identity(checkpoint)
        let engine = try SessionFixtures.engine(checkpoint)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: identity, renderer: SessionFixtures.greyRenderer)
        let picture = ChatMessage(role: .user, segments: [.picture(codes: SessionFixtures.pictureCodes(checkpoint, seed: 40))])
        try await SessionFixtures.converse(engine, writer: writer, messages: [picture])
        let directory = writer.directory
        let leftovers = [".session.json.123.456.tmp", ".picture-0123456789abcdef.png.1.2.tmp", "picture-00000000000000ff.png"]
        for name in leftovers + ["notes.txt", "my picture.png"] {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name))
        }
        await engine.dropLast(2)  // the picture's turn goes: its file must go too
        try await writer.save(engine.sessionSnapshot())
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        #expect(names == ["session.json", ".lock", "notes.txt", "my picture.png"])
        #expect(try StoredSession(directory: directory).manifest.turns.isEmpty)
    }

    /// `/save PATH`: a session at a chosen path, never into a directory that exists.
    @Test func aSessionAtAChosenPathNeverOverwrites() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let identity = try SessionFixtures.identity(checkpoint)
        let engine = try SessionFixtures.engine(checkpoint)
        try await SessionFixtures.reply(engine, .user("hello"))
        let folder = try SessionFixtures.scratch("save")
        let target = folder.appendingPathComponent("my chat ü")
        let writer = try SessionWriter(newSessionAt: target, model: identity, renderer: nil)
        try await writer.save(engine.sessionSnapshot())
        #expect(try StoredSession(directory: target).manifest.turns.count == 2)
        #expect(try StoredSession(directory: target).id == "my chat ü")
        // Saving again keeps writing the same session, also after the lock was let go.
        await writer.close()
        try await writer.save(engine.sessionSnapshot())

        #expect(throws: SessionError.outputExists(path: target.path)) {
            _ = try SessionWriter(newSessionAt: target, model: identity, renderer: nil)
        }
        let raced = try SessionWriter(newSessionAt: folder.appendingPathComponent("later"), model: identity, renderer: nil)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("later"), withIntermediateDirectories: true)
        await #expect(throws: SessionError.outputExists(path: folder.appendingPathComponent("later").path)) {
            try await raced.save(engine.sessionSnapshot())
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("later").path).isEmpty)
    }

    /// The directory appears only with the first save.
    @Test func nothingIsWrittenBeforeTheFirstSave() async throws {
        let store = SessionStore(directory: try SessionFixtures.scratch().appendingPathComponent("data/sessions"))
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(SessionFixtures.checkpoint()), renderer: nil)
        #expect(!FileManager.default.fileExists(atPath: writer.directory.path))
        #expect(store.list().sessions.isEmpty)
    }
}
