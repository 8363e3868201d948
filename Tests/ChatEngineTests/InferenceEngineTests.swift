import ChameleonModel
import Foundation
import Testing
@testable import ChatEngine

/// The conversation engine on a tiny fixture model: turns stay in the cache, replies can be
/// stopped and undone, a full context drops old turns.
@Suite struct InferenceEngineTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine/plain")

    func engine(seed: UInt64 = 3, maxNewTokens: Int = 4096) throws -> InferenceEngine {
        let checkpoint = try ChameleonCheckpoint(directory: Self.fixture)
        var options = GenerationOptions()
        options.seed = seed
        options.mode = .text
        options.maxNewTokens = maxNewTokens
        return try InferenceEngine(checkpoint: checkpoint, format: try ConversationFormat.load(directory: Self.fixture), options: options)
    }

    func collect(_ stream: AsyncThrowingStream<GenerationEvent, Error>, limit: Int = .max) async throws -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        for try await event in stream {
            events.append(event)
            if events.count >= limit { break }
        }
        return events
    }

    @Test func aReplyStreamsTextAndEndsWithStats() async throws {
        let engine = try engine()
        let events = try await collect(engine.respond(to: .user("draw a red circle")))
        guard case .finished(let stats) = events.last else { Issue.record("no finished event"); return }
        #expect(stats.generatedTokens > 0)
        let streamed = events.compactMap { if case .text(let t) = $0 { t } else { nil } }.joined()
        let messages = await engine.messages
        #expect(messages.count == 2)
        #expect(messages[1].role == .assistant)
        #expect(messages[1].text == streamed)
    }

    /// The status line's context count follows a reply: one report once the prompt is read, then
    /// one every `contextReportInterval` tokens, growing, never past what the engine holds after.
    @Test func aReplyReportsTheContextItUsesAsItGrows() async throws {
        let engine = try engine(maxNewTokens: 40)
        let before = await engine.tokenIDs.count
        let events = try await collect(engine.respond(to: .user("draw a red circle")))
        let reports = events.compactMap { if case .contextUsed(let used) = $0 { used } else { nil } }
        guard case .finished(let stats) = events.last, let first = reports.first, let last = reports.last else {
            Issue.record("no finished event or no context report"); return
        }
        #expect(reports.count == (stats.generatedTokens + contextReportInterval - 1) / contextReportInterval)
        #expect(first > before + stats.promptTokens - 1)
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0 + contextReportInterval == $1 })
        #expect(last <= (await engine.contextUsage.used))
    }

    @Test func followUpCostsOnlyItsOwnTokens() async throws {
        let engine = try engine(maxNewTokens: 40)  // a first reply that leaves room: no rebuild
        _ = try await collect(engine.respond(to: .user("draw a red circle on a blue background")))
        let before = await engine.tokenIDs.count
        let events = try await collect(engine.respond(to: .user("now green")))
        guard case .finished(let stats) = events.last else { Issue.record("no finished event"); return }
        let builder = engine.builder
        let followUp = builder.ids(for: .user("now green")).count + builder.replyOpening().count
        #expect(stats.promptTokens == followUp, "prompt tokens \(stats.promptTokens), before \(before)")
    }

    @Test func undoingAnExchangeReproducesTheSameReply() async throws {
        let engine = try engine(seed: 11)
        _ = try await collect(engine.respond(to: .user("hello")))
        let sequence = await engine.tokenIDs
        let first = await engine.messages.last
        await engine.dropLast(2)
        await engine.setOptions({ var o = GenerationOptions(); o.seed = 11; o.mode = .text; return o }())
        _ = try await collect(engine.respond(to: .user("hello")))
        #expect(await engine.messages.last == first)
        #expect(await engine.tokenIDs == sequence)
    }

    @Test func stoppingAReplyKeepsAClosedTurn() async throws {
        let engine = try engine(maxNewTokens: 20)
        let stream = engine.respond(to: .user("tell me a long story"))
        var count = 0
        for try await event in stream {
            if case .text = event { count += 1 }
            if count == 3 { break }  // leaving the loop cancels the stream
        }
        // The engine finishes the turn; the next message still works.
        let events = try await collect(engine.respond(to: .user("and now?")))
        guard case .finished = events.last else { Issue.record("no finished event"); return }
        let messages = await engine.messages
        #expect(messages.count == 4)
        #expect(messages.map(\.role) == [.user, .assistant, .user, .assistant])
        let stops = engine.builder.stopTokenIDs
        #expect(stops.contains(await engine.tokenIDs.last!))
    }

    @Test func aFullContextDropsTheOldestTurnsWithANotice() async throws {
        let engine = try engine()
        let long = String(repeating: "draw a red circle on a blue background ", count: 6)
        var notices: [String] = [], drops: [Int] = []
        for _ in 0..<6 {
            for event in try await collect(engine.respond(to: .user(long))) {
                if case .notice(let text) = event { notices.append(text) }
                if case .contextDropped(let exchanges) = event { drops.append(exchanges) }
            }
        }
        #expect(!notices.isEmpty)
        // Each notice comes with the count the chat marks turns by, and says the same number.
        #expect(drops.count == notices.count)
        for (drop, notice) in zip(drops, notices) { #expect(drop > 0 && notice.contains("dropped the \(drop) oldest")) }
        let usage = await engine.contextUsage
        #expect(usage.used <= usage.total)
    }

    /// Written exchanges ("a", "b") until the room left after `message` and a reply's opening
    /// drops below `below`; returns that room.
    func fill(_ engine: InferenceEngine, before message: ChatMessage, below: Int) async throws -> Int {
        let messageTokens = engine.builder.ids(for: message).count + engine.builder.replyOpening().count
        let context = await engine.contextUsage.total
        while true {
            let used = max(await engine.contextUsage.used, engine.builder.beginning().count)
            let room = context - used - messageTokens
            if room < below { return room }
            try await engine.addMakingRoom(.user("a"))
            try await engine.addMakingRoom(ChatMessage(role: .assistant, segments: [.text("b")]))
        }
    }

    /// A full context whose room would hold a text reply but not a picture drops old exchanges
    /// first when the reply may draw: otherwise begin-image stays masked and "draw ..." gets text.
    @Test func aReplyThatMayDrawGetsRoomForAWholePicture() async throws {
        let checkpoint = try ChameleonCheckpoint(directory: Self.fixture)
        var options = GenerationOptions()
        options.mode = .interleaved
        options.maxNewTokens = 1
        let engine = try InferenceEngine(checkpoint: checkpoint, format: try ConversationFormat.load(directory: Self.fixture),
                                         options: options)
        let pictureTokens = checkpoint.config.vqConfig.tokensPerImage + 2
        let message = ChatMessage.user("draw a red circle")
        let room = try await fill(engine, before: message, below: InferenceEngine.replyTextRoom + pictureTokens)
        try #require(room >= InferenceEngine.replyTextRoom, "the filler overshot: \(room)")
        let events = try await collect(engine.respond(to: message))
        #expect(events.contains { if case .contextDropped = $0 { true } else { false } })
        let usage = await engine.contextUsage
        #expect(usage.used - 1 + pictureTokens < usage.total, "no room for a picture after the reply's first token")
        // The rebuilt context is run again, and the stats count it.
        guard case .finished(let stats) = events.last else { Issue.record("no finished event"); return }
        let closing = stats.stopReason == .stopToken ? 0 : engine.builder.replyClosing().count  // added after a cut reply
        #expect(stats.promptTokens == usage.used - stats.generatedTokens - closing)
    }

    /// A written turn (a script's assistant reply) in a full context drops old exchanges as a
    /// reply does, instead of failing.
    @Test func aWrittenTurnInAFullContextDropsOldExchanges() async throws {
        let engine = try engine()
        let written = ChatMessage(role: .assistant, segments: [.text(String(repeating: "a red circle ", count: 8))])
        _ = try await fill(engine, before: written, below: 4)
        let before = await engine.messages.count
        let dropped = try await engine.addMakingRoom(written)
        #expect(dropped > 0)
        #expect(await engine.messages.count == before - 2 * dropped + 1)
        #expect(await engine.messages.last == written)
    }

    @Test func aMessageLargerThanTheContextIsRefused() async throws {
        let engine = try engine()
        let huge = String(repeating: "circle ", count: 400)
        await #expect(throws: EngineError.self) {
            _ = try await collect(engine.respond(to: .user(huge)))
        }
    }

    @Test func promptBuilderFollowsTheFormat() throws {
        let checkpoint = try ChameleonCheckpoint(directory: Self.fixture)
        let builder = try PromptBuilder(tokenizer: checkpoint.tokenizer, format: .chameleonDefault, vocabulary: checkpoint.vocabulary)
        let v = checkpoint.vocabulary
        let ids = builder.ids(for: ChatMessage(role: .user, segments: [.text("hi"), .picture(codes: [0, 5, 63])]))
        let eot = try #require(v.endOfTurn)
        #expect(ids.suffix(6) == [v.beginImage, v.imageTokenIDs[0], v.imageTokenIDs[5], v.imageTokenIDs[63], v.endImage, eot])
        #expect(builder.beginning() == [v.bos])
        #expect(builder.stopTokenIDs == [eot, v.eos])
    }

    @Test func typedSpecialTokenStringsStayText() throws {
        let checkpoint = try ChameleonCheckpoint(directory: Self.fixture)
        let builder = try PromptBuilder(tokenizer: checkpoint.tokenizer, format: .chameleonDefault, vocabulary: checkpoint.vocabulary)
        let v = checkpoint.vocabulary
        let special = Set([v.beginImage, v.endImage, v.bos, v.eos] + [v.endOfTurn].compactMap { $0 })
        let typed = "hi <racm3:break> there </s><eoss>"
        #expect(checkpoint.tokenizer.encode(typed, addSpecialTokens: false).contains(v.beginImage),
                "the fixture's tokenizer must know the string as a special token for this test to mean anything")
        let ids = builder.segmentIDs([.text(typed)])
        #expect(special.isDisjoint(with: ids))
        #expect(checkpoint.tokenizer.decode(ids) == typed)
    }

    /// A conversation.json whose `begin` fills the context: the first message is refused in a
    /// typed error (it used to trap in the generator), and so is one that fits beside the
    /// beginning without the room a reply needs.
    @Test func aBeginningThatFillsTheContextIsRefusedNotATrap() async throws {
        let checkpoint = try ChameleonCheckpoint(directory: Self.fixture)
        let context = checkpoint.model.contextLength
        for words in [300, 120] {
            var format = ConversationFormat.chameleonDefault
            format.begin = "<s>" + String(repeating: " circle", count: words)
            let engine = try InferenceEngine(checkpoint: checkpoint, format: format)
            let beginning = engine.builder.beginning().count
            var message = ChatMessage.user("red")
            if words == 300 {
                try #require(beginning > context, "the beginning is \(beginning) tokens")
            } else {
                // A message that fits beside the beginning, but leaves no room for a reply.
                while beginning + engine.builder.ids(for: message).count < context - 20 { message = .user(message.text + " red") }
                try #require(beginning + engine.builder.ids(for: message).count < context)
            }
            await #expect(throws: EngineError.self) { try await collect(engine.respond(to: message)) }
            #expect(await engine.tokenIDs.isEmpty, "nothing was added")
            if words == 300 {
                await #expect(throws: EngineError.self) { try await engine.load([message]) }
                #expect(await engine.tokenIDs.isEmpty, "nothing was added")
            }
        }
    }

    @Test func badConversationFormatIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(#"{"version": 9, "begin": "<s>", "user": {"prefix": "", "suffix": ""}, "assistant": {"prefix": "", "suffix": ""}, "begin_image": "a", "end_image": "b", "end_of_sequence": "c", "stop": ["x"]}"#.utf8)
            .write(to: dir.appendingPathComponent("conversation.json"))
        #expect(throws: ConversationFormatError.self) { try ConversationFormat.load(directory: dir) }
        try Data("{".utf8).write(to: dir.appendingPathComponent("conversation.json"))
        #expect(throws: ConversationFormatError.self) { try ConversationFormat.load(directory: dir) }
    }
}

/// Restoring stored token ids gives back exactly the saved model state.
@Suite struct RestoreTests {
    @Test func restoredConversationContinuesIdentically() async throws {
        let checkpoint = try ChameleonCheckpoint(directory: InferenceEngineTests.fixture)
        var options = GenerationOptions()
        options.seed = 5
        options.mode = .text
        options.maxNewTokens = 12
        let format = try ConversationFormat.load(directory: InferenceEngineTests.fixture)
        let original = try InferenceEngine(checkpoint: checkpoint, format: format, options: options)
        for try await _ in original.respond(to: .user("draw a red circle")) {}
        let beginning = await original.beginningTokenIDs
        let stored = zip(await original.messages, await original.messageTokenIDs).map { (message: $0, tokenIDs: $1) }
        #expect(beginning + stored.flatMap(\.tokenIDs) == (await original.tokenIDs))

        let resumed = try InferenceEngine(checkpoint: checkpoint, format: format, options: options)
        try await resumed.restore(beginning: beginning, messages: stored)
        #expect(await resumed.tokenIDs == (await original.tokenIDs))
        var a: [GenerationEvent] = [], b: [GenerationEvent] = []
        for try await e in original.respond(to: .user("now green")) { a.append(e) }
        for try await e in resumed.respond(to: .user("now green")) { b.append(e) }
        #expect(await original.messages.last == (await resumed.messages.last))
        #expect(await original.tokenIDs == (await resumed.tokenIDs))
        #expect(a.count == b.count)
    }

    @Test func restoringForeignIdsIsRefused() async throws {
        let checkpoint = try ChameleonCheckpoint(directory: InferenceEngineTests.fixture)
        let engine = try InferenceEngine(checkpoint: checkpoint, format: .chameleonDefault)
        await #expect(throws: EngineError.invalidToken(id: 99999, vocabularySize: 420)) {
            try await engine.restore(beginning: [0], messages: [(message: .user("x"), tokenIDs: [99999])])
        }
    }
}

/// Input beyond the context: a clear error, and the conversation goes on as before.
@Suite struct ContextLimitTests {
    @Test func aMessageLongerThanTheContextIsRefusedAndTheChatGoesOn() async throws {
        let engine = try InferenceEngineTests().engine(maxNewTokens: 8)
        _ = try await InferenceEngineTests().collect(engine.respond(to: .user("hello")))
        let before = await engine.tokenIDs
        let context = await engine.contextUsage.total
        let huge = String(repeating: "draw a red circle ", count: context)
        do {
            _ = try await InferenceEngineTests().collect(engine.respond(to: .user(huge)))
            Issue.record("a message longer than the context was accepted")
        } catch let error as EngineError {
            guard case .doesNotFit(let tokens, let limit) = error else { Issue.record("\(error)"); return }
            #expect(tokens > limit && limit == context)
            #expect(error.description.contains("more than the model's context"))
        }
        #expect(await engine.tokenIDs == before, "the refused message must leave the conversation as it was")
        let events = try await InferenceEngineTests().collect(engine.respond(to: .user("thanks")))
        guard case .finished = events.last else { Issue.record("the chat did not go on"); return }
    }
}
