import BPETokenizer
import ChameleonModel
import Foundation
import Testing
@testable import ChatEngine

/// A reply the user stops keeps ids that say exactly what its text and pictures say: the token
/// being produced when the stop arrived is taken back, and a picture cut short leaves no trace.
///
/// Where the stop lands depends on scheduling, so each test stops several replies at different
/// points, checks every one, and requires that at least one was really cut short.
@Suite(.serialized) struct CancelledReplyTests {
    func engine(_ checkpoint: ChameleonCheckpoint, mode: GenerationMode, seed: UInt64) throws -> InferenceEngine {
        var options = GenerationOptions()
        options.seed = seed
        options.mode = mode
        options.maxNewTokens = 200
        return try InferenceEngine(checkpoint: checkpoint, format: try ConversationFormat.load(directory: InferenceEngineTests.fixture),
                                   options: options)
    }

    /// The reply's ids without the assistant prefix and the closing token.
    func body(of engine: InferenceEngine) async -> [Int] {
        let ids = await engine.messageTokenIDs.last ?? []
        let builder = engine.builder
        var body = Array(ids.dropFirst(builder.replyOpening().count))
        if let last = body.last, builder.stopTokenIDs.contains(last) { body.removeLast() }
        return body
    }

    @Test func stoppedTextReplyKeepsOnlyWhatWasShown() async throws {
        let checkpoint = try ChameleonCheckpoint(directory: InferenceEngineTests.fixture)
        let full = try engine(checkpoint, mode: .text, seed: 4)
        for try await _ in full.respond(to: .user("tell me a long story")) {}
        let fullText = await full.messages.last?.text ?? ""

        var cutShort = 0
        // On a loaded machine (the whole suite in parallel on two cores) the reading task may
        // get no CPU until the short reply is complete; then no stop lands and the round is
        // repeated a little later, up to 20 times.
        for round in 0 ..< 20 where cutShort == 0 {
          if round > 0 { try await Task.sleep(for: .milliseconds(500)) }
          for afterEvents in [1, 2, 3, 5, 8, 12] {
            let stopped = try engine(checkpoint, mode: .text, seed: 4)
            var shown = ""
            var count = 0
            for try await event in stopped.respond(to: .user("tell me a long story")) {
                guard case .text(let piece) = event else { continue }
                shown += piece
                count += 1
                if count == afterEvents { break }
            }
            let text = await stopped.messages.last?.text ?? ""
            if text.count < fullText.count { cutShort += 1 }
            #expect(text.hasPrefix(shown))
            let decoded = checkpoint.tokenizer.decode(await body(of: stopped), skipSpecialTokens: true)
            #expect(Array(decoded.unicodeScalars) == Array(text.unicodeScalars),
                    "after \(afterEvents) events: ids decode to \(decoded.debugDescription), text is \(text.debugDescription)")
          }
        }
        #expect(cutShort > 0, "no reply was stopped before its end")
    }

    @Test func stoppedPictureLeavesNoOpenPicture() async throws {
        let checkpoint = try ChameleonCheckpoint(directory: InferenceEngineTests.fixture)
        let vocabulary = checkpoint.vocabulary
        var tested = 0, cutShort = 0
        for seed in UInt64(0) ..< 300 where tested < 8 {
            let engine = try engine(checkpoint, mode: .interleaved, seed: seed)
            var codes = 0
            var began = 0
            for try await event in engine.respond(to: .user("draw a red circle")) {
                if case .pictureBegan = event { began += 1 }
                if case .pictureCode = event { codes += 1 }
                if codes == 2 { break }
            }
            guard began > 0 else { continue }
            tested += 1
            let body = await body(of: engine)
            let begins = body.filter { $0 == vocabulary.beginImage }.count
            let ends = body.filter { $0 == vocabulary.endImage }.count
            let stoppedInPicture = ends < began
            if stoppedInPicture { cutShort += 1 }
            #expect(begins == ends, "seed \(seed): an unfinished picture stayed in the ids")
            #expect(body.filter(vocabulary.isImageToken).count == ends * checkpoint.config.vqConfig.tokensPerImage)
            #expect(await engine.messages.last?.pictures.count == ends)
            // The conversation goes on in text state. (A stop that came too late lets the first
            // reply run to its token limit; the follow-up then drops that exchange to make room.)
            for try await _ in engine.respond(to: .user("and now?")) {}
            let history = await engine.messages
            #expect(history.dropLast().last == .user("and now?"))
            #expect(history.last?.role == .assistant)
            if stoppedInPicture { #expect(history.count == 4, "seed \(seed): a short exchange was dropped") }
        }
        #expect(tested > 0, "no seed below 300 starts a picture with the fixture model")
        #expect(cutShort > 0, "no picture was stopped before its end")
    }
}
