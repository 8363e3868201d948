import ChameleonModel
import ChatEngine
import Foundation
import Imaging
import PNGCodec
import Testing
@testable import Sessions

/// Save a conversation the way the chat does, load it back, resume it into a fresh engine:
/// the conversation, its ids and the model's next-token logits are those before saving.
@Suite struct RoundTripTests {
    /// Largest difference between two logit vectors, relative to the largest logit.
    func relativeDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        let scale = max(a.map(abs).max() ?? 1, 1e-6)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// The engine a resumed session lands in, and the checks every resume must pass.
    func resumeAndCompare(_ original: InferenceEngine, session: StoredSession, checkpoint: ChameleonCheckpoint,
                          mode: GenerationMode) async throws -> InferenceEngine {
        let resumed = try SessionFixtures.engine(checkpoint, mode: mode, seed: 999)
        let result = try await session.resume(into: resumed, model: SessionFixtures.identity(checkpoint))
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(await resumed.tokenIDs == (await original.tokenIDs))
        #expect(await resumed.messages == (await original.messages))
        #expect(await resumed.options == (await original.options), "sampling settings come back")
        let before = await original.nextTokenLogits()
        let after = await resumed.nextTokenLogits()
        #expect(before.count == checkpoint.config.vocabSize)
        #expect(relativeDifference(before, after) <= 1e-5, "next-token logits after resuming equal those before saving")
        return resumed
    }

    @Test func textConversationWithAnAttachedPictureRoundTrips() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: SessionFixtures.greyRenderer)
        let codes = SessionFixtures.pictureCodes(checkpoint, seed: 1)
        try await SessionFixtures.converse(engine, writer: writer, messages: [
            .user("draw a red circle"),
            ChatMessage(role: .user, segments: [.text("like this one: "), .picture(codes: codes)]),
            .user("now make it 초록 🟢"),
        ])

        let session = try store.load(writer.id)
        let manifest = session.manifest
        #expect(manifest.turns.map(\.chatMessage) == (await engine.messages))
        #expect(manifest.turns.map(\.tokenIDs) == (await engine.messageTokenIDs))
        #expect(manifest.beginningTokenIDs == (await engine.beginningTokenIDs))
        #expect(manifest.turns.allSatisfy { $0.inContext })
        #expect(manifest.title == "draw a red circle")
        #expect(manifest.version == SessionManifest.currentVersion)

        // The attached picture is a PNG of exactly its codes' drawing.
        guard case .picture(let stored, let file?) = manifest.turns[2].segments[1] else {
            Issue.record("the picture has no file: \(manifest.turns[2].segments)")
            return
        }
        #expect(stored == codes)
        let png = try PNGReader.read(path: session.pictureURL(file).path)
        #expect(png.flattened() == SessionFixtures.greyRenderer(codes))

        _ = try await resumeAndCompare(engine, session: session, checkpoint: checkpoint, mode: .text)
    }

    /// Greedy continuations of the saved and the resumed engine are the same tokens.
    @Test func resumedConversationContinuesIdentically() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint, seed: 21)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: nil)
        try await SessionFixtures.converse(engine, writer: writer, messages: [.user("hello"), .user("what can you draw?")])
        let resumed = try await resumeAndCompare(engine, session: try store.load("latest"), checkpoint: checkpoint, mode: .text)
        try await SessionFixtures.reply(engine, .user("a circle"))
        try await SessionFixtures.reply(resumed, .user("a circle"))
        #expect(await resumed.tokenIDs == (await engine.tokenIDs))
        #expect(await resumed.messages == (await engine.messages))
    }

    /// Interleaved replies in which the model draws pictures: the pictures' codes and ids
    /// survive, and a PNG is written for each.
    @Test func generatedPicturesRoundTrip() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        // Find a seed whose first reply holds a picture (deterministic: same seed, same reply).
        var found: (seed: UInt64, engine: InferenceEngine)?
        for seed in UInt64(0) ..< 200 {
            let engine = try SessionFixtures.engine(checkpoint, mode: .interleaved, seed: seed, maxNewTokens: 120)
            try await SessionFixtures.reply(engine, .user("draw a red circle"))
            if await engine.messages.last?.pictures.isEmpty == false {
                found = (seed, engine)
                break
            }
        }
        let (seed, _) = try #require(found, "no seed below 200 draws a picture with the fixture model")
        let engine = try SessionFixtures.engine(checkpoint, mode: .interleaved, seed: seed, maxNewTokens: 120)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: SessionFixtures.greyRenderer)
        try await SessionFixtures.converse(engine, writer: writer, messages: [.user("draw a red circle")])
        let session = try store.load(writer.id)
        let pictures = session.manifest.turns.flatMap(\.segments).compactMap { segment -> (codes: [Int], file: String?)? in
            if case .picture(let codes, let file) = segment { (codes, file) } else { nil }
        }
        #expect(!pictures.isEmpty)
        for picture in pictures {
            let file = try #require(picture.file)
            #expect(try PNGReader.read(path: session.pictureURL(file).path).flattened() == SessionFixtures.greyRenderer(picture.codes))
        }
        _ = try await resumeAndCompare(engine, session: session, checkpoint: checkpoint, mode: .interleaved)
    }

    /// A reply the user stopped half-way is saved, and resumes exactly.
    @Test func stoppedReplyResumes() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint, maxNewTokens: 60)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: nil)
        let message = ChatMessage.user("tell me a long story")
        try await writer.save(engine.sessionSnapshot(pending: message))
        var texts = 0
        for try await event in engine.respond(to: message) {
            if case .text = event { texts += 1 }
            if texts == 4 { break }
        }
        try await writer.save(engine.sessionSnapshot())
        let session = try store.load(writer.id)
        #expect(session.manifest.turns.count == 2)
        _ = try await resumeAndCompare(engine, session: session, checkpoint: checkpoint, mode: .text)
    }

    /// The context fills: the engine drops the oldest turns, the session keeps them (outside
    /// the context) and a resume restores exactly what the engine holds.
    @Test func turnsDroppedFromTheContextAreKept() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint, maxNewTokens: 16)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: nil)
        let messages = (1 ... 8).map { ChatMessage.user("message \($0): draw a red circle on a blue background") }
        try await SessionFixtures.converse(engine, writer: writer, messages: messages)

        let session = try store.load(writer.id)
        let turns = session.manifest.turns
        #expect(turns.count == 16, "every turn is kept")
        #expect(turns.filter { $0.role == .user }.map(\.chatMessage) == messages)
        let inContext = turns.filter(\.inContext)
        #expect(inContext.count < turns.count, "the fixture's 256-token context must have overflowed")
        #expect(inContext.map(\.chatMessage) == (await engine.messages))
        #expect(inContext.map(\.tokenIDs) == (await engine.messageTokenIDs))
        _ = try await resumeAndCompare(engine, session: session, checkpoint: checkpoint, mode: .text)
    }

    /// Repeated identical exchanges fill the context: the engine's count of dropped messages,
    /// not a guess from the turns' text, says which turns left it, so none is lost. (Guessing,
    /// "no drop, the last message taken back" matched as many turns as the truth, and won.)
    @Test func repeatedExchangesDroppedFromTheContextAreKept() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint, maxNewTokens: 16)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: nil)
        let question = ChatMessage.user("draw a red circle")
        let answer = ChatMessage(role: .assistant, segments: [.text("Here is a red circle.")])
        var written = 0
        // As the engine reckons the room a message needs (its ids, the reply's opening, 64 more).
        let needed = engine.builder.ids(for: question).count + engine.builder.replyOpening().count + 64
        while await engine.contextUsage.used + needed < engine.contextUsage.total {
            try await engine.add(question)
            try await engine.add(answer)
            try await writer.save(engine.sessionSnapshot())
            written += 2
        }
        #expect(written >= 4)
        try await SessionFixtures.converse(engine, writer: writer, messages: [question])
        #expect(await engine.frontDrops.messages > 0, "the context must overflow for this test to mean anything")

        let turns = try store.load(writer.id).manifest.turns
        #expect(turns.count == written + 2, "every turn is kept")
        #expect(turns.filter(\.inContext).map(\.chatMessage) == (await engine.messages))
        #expect(turns.filter { !$0.inContext }.count == (await engine.frontDrops.messages))
    }

    /// `/undo` and `/retry` take turns back: a save after them forgets those turns.
    @Test func undoneTurnsLeaveTheSession() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: nil)
        try await SessionFixtures.converse(engine, writer: writer, messages: [.user("one"), .user("two")])
        await engine.dropLast(2)
        try await writer.save(engine.sessionSnapshot())
        #expect(try store.load(writer.id).manifest.turns.map(\.chatMessage) == (await engine.messages))
        #expect(try store.load(writer.id).manifest.turns.count == 2)

        // A retry with another seed and no save in between: the reply is replaced, not duplicated.
        await engine.dropLast(2)
        var options = await engine.options
        options.seed = 1234
        await engine.setOptions(options)
        try await SessionFixtures.reply(engine, .user("one"))
        try await writer.save(engine.sessionSnapshot())
        let turns = try store.load(writer.id).manifest.turns
        #expect(turns.map(\.chatMessage) == (await engine.messages))
        #expect(turns.count == 2)
        #expect(try store.load(writer.id).manifest.sampling.seed == 1234)
    }

    /// Without a picture decoder the codes are saved and the PNG omitted (`file` is null); a
    /// later save with a decoder adds the PNG.
    @Test func picturesWithoutADecoderAreSavedAsCodes() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let identity = try SessionFixtures.identity(checkpoint)
        let writer = SessionWriter(store: store, model: identity, renderer: nil)
        let codes = SessionFixtures.pictureCodes(checkpoint, seed: 2)
        let message = ChatMessage(role: .user, segments: [.picture(codes: codes), .text("what is this?")])
        try await SessionFixtures.converse(engine, writer: writer, messages: [message])
        let saved = try store.load(writer.id)
        #expect(saved.manifest.turns[0].segments[0] == .picture(codes: codes, file: nil))
        #expect(saved.manifest.title == "what is this?")
        let json = try String(contentsOf: saved.directory.appendingPathComponent("session.json"), encoding: .utf8)
        #expect(json.contains("\"file\":null"))
        await writer.close()

        let resumed = try await saved.resume(into: try SessionFixtures.engine(checkpoint), model: identity)
        let continuing = try SessionWriter(continuing: resumed, store: store, renderer: SessionFixtures.greyRenderer)
        try await continuing.save(engine.sessionSnapshot())
        let again = try store.load(writer.id)
        guard case .picture(_, let file?) = again.manifest.turns[0].segments[0] else {
            Issue.record("no file after a save with a decoder")
            return
        }
        #expect(FileManager.default.fileExists(atPath: again.pictureURL(file).path))
        #expect(again.manifest.created == saved.manifest.created)
    }
}
