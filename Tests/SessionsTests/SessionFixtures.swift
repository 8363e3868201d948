import ChameleonModel
import ChatEngine
import Foundation
import Imaging
import Testing
@testable import Sessions

/// Shared pieces of the session tests: the tiny fixture model, engines, scratch directories.
enum SessionFixtures {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine")
    static let plain = fixtures.appendingPathComponent("plain")

    static func checkpoint(_ directory: URL = plain) throws -> ChameleonCheckpoint {
        try ChameleonCheckpoint(directory: directory)
    }

    static func engine(_ checkpoint: ChameleonCheckpoint, mode: GenerationMode = .text, seed: UInt64 = 7,
                       maxNewTokens: Int = 24) throws -> InferenceEngine {
        var options = GenerationOptions()
        options.mode = mode
        options.seed = seed
        options.maxNewTokens = maxNewTokens
        return try InferenceEngine(checkpoint: checkpoint, format: try ConversationFormat.load(directory: checkpoint.directory),
                                   options: options)
    }

    /// A scratch directory whose path has spaces and non-ASCII characters, as users' do.
    static func scratch(_ label: String = "sessions") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("omnichat tests ü 한/\(label) \(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A test double for the VQGAN decoder: each code becomes one grey cell (code × 4), so a
    /// picture's pixels depend on every code and can be checked.
    static let greyRenderer: PictureRenderer = { codes in
        let side = Int(Double(codes.count).squareRoot())
        guard side * side == codes.count, side > 0 else { return nil }
        return RGBImage(width: side, height: side, pixels: codes.flatMap { code in
            let level = UInt8(truncatingIfNeeded: code * 4)
            return [level, level, level]
        })
    }

    /// Random picture codes for the fixture (an attached picture, as the VQ encoder gives).
    static func pictureCodes(_ checkpoint: ChameleonCheckpoint, seed: UInt64) -> [Int] {
        var rng = SeededGenerator(seed: seed)
        let count = checkpoint.config.vqConfig.tokensPerImage
        let codebook = checkpoint.vocabulary.imageTokenIDs.count
        return (0 ..< count).map { _ in Int(rng.next() % UInt64(codebook)) }
    }

    /// Runs a reply to completion and returns its events.
    @discardableResult
    static func reply(_ engine: InferenceEngine, _ message: ChatMessage) async throws -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        for try await event in engine.respond(to: message) { events.append(event) }
        return events
    }

    /// A conversation as the chat drives it: each user message saved before its reply, each
    /// reply saved after. Returns the save results.
    static func converse(_ engine: InferenceEngine, writer: SessionWriter, messages: [ChatMessage]) async throws {
        for message in messages {
            try await writer.save(engine.sessionSnapshot(pending: message))
            try await reply(engine, message)
            try await writer.save(engine.sessionSnapshot())
        }
    }

    static func identity(_ checkpoint: ChameleonCheckpoint) throws -> ModelIdentity {
        try ModelIdentity(checkpoint: checkpoint)
    }
}

/// One saved session made once and shared: tests copy it and change the copy.
struct SampleSession: Sendable {
    /// A session directory (manifest and pictures) to copy.
    let directory: URL
    let manifestJSON: Data

    static let shared = Task<SampleSession, Error> {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint)
        let store = SessionStore(directory: try SessionFixtures.scratch("sample"))
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: SessionFixtures.greyRenderer)
        try await SessionFixtures.converse(engine, writer: writer, messages: [
            ChatMessage(role: .user, segments: [.text("what is in this picture?\n"), .picture(codes: SessionFixtures.pictureCodes(checkpoint, seed: 9))]),
            .user("draw it again, 더 크게"),
        ])
        await writer.close()
        let directory = writer.directory
        return SampleSession(directory: directory, manifestJSON: try Data(contentsOf: directory.appendingPathComponent("session.json")))
    }

    /// A copy of the sample in a fresh store, with `edit` applied to its manifest as a JSON object.
    static func copy(editing edit: ((inout [String: Any]) -> Void)? = nil) async throws -> (store: SessionStore, directory: URL) {
        let sample = try await shared.value
        let store = SessionStore(directory: try SessionFixtures.scratch())
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        let directory = store.directory.appendingPathComponent(sample.directory.lastPathComponent)
        try FileManager.default.copyItem(at: sample.directory, to: directory)
        if let edit {
            var object = try JSONSerialization.jsonObject(with: sample.manifestJSON) as! [String: Any]
            edit(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: directory.appendingPathComponent("session.json"))
        }
        return (store, directory)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Edits `turns[turn]` in place.
    mutating func editTurn(_ turn: Int, _ edit: (inout [String: Any]) -> Void) {
        var turns = self["turns"] as! [[String: Any]]
        edit(&turns[turn])
        self["turns"] = turns
    }
}
