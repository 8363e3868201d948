import ChameleonModel
import ChatEngine
import Foundation
import Testing
@testable import Sessions

/// Corrupt, truncated, hand-edited and newer sessions: each gets a typed error naming the file
/// and the problem, and nothing on disk changes.
@Suite struct ValidationTests {
    /// Loads the session in `directory`, expecting `check` to accept the error, and proves the
    /// directory's files are byte for byte as before.
    func expectFailure(_ directory: URL, _ check: (SessionError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try snapshotFiles(directory)
        do {
            _ = try StoredSession(directory: directory)
            Issue.record("the session loaded", sourceLocation: sourceLocation)
        } catch {
            #expect(check(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(directory.path) || error.description.contains("session.json"),
                    "the message names the file: \(error)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        }
        #expect(try snapshotFiles(directory) == before, "a failed load changed files", sourceLocation: sourceLocation)
    }

    func snapshotFiles(_ directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return files
    }

    func write(_ text: String, into directory: URL) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent("session.json"))
    }

    @Test func newerVersionIsReportedAndLeftUntouched() async throws {
        let (store, directory) = try await SampleSession.copy { manifest in
            manifest["version"] = 2
            manifest["turns"] = ["a different shape"]
        }
        try expectFailure(directory) { $0 == .newerVersion(path: directory.appendingPathComponent("session.json").path, version: 2, supported: 1) }
        let error = try #require(throws: SessionError.self) { try store.load("latest") }
        #expect(error == .noSuchSession(reference: "latest", directory: store.directory.path), "latest skips it")
        let listing = store.list()
        #expect(listing.sessions.isEmpty)
        #expect(listing.problems.first?.description.contains("made by a newer omnichat") == true)
    }

    @Test(arguments: ["", "{", "[1, 2", "{\"format\": \"omnichat-session\", \"version\": 1", "\u{FEFF}garbage"])
    func notJSON(text: String) async throws {
        let (_, directory) = try await SampleSession.copy()
        try write(text, into: directory)
        try expectFailure(directory) { if case .malformedJSON = $0 { true } else { false } }
    }

    @Test(arguments: ["[]", "{}", "3", "{\"format\": \"something-else\", \"version\": 1}", "{\"format\": 7}"])
    func notASession(text: String) async throws {
        let (_, directory) = try await SampleSession.copy()
        try write(text, into: directory)
        try expectFailure(directory) { if case .notASession = $0 { true } else { false } }
    }

    @Test func versionMustBeAKnownInteger() async throws {
        let (_, zero) = try await SampleSession.copy { $0["version"] = 0 }
        try expectFailure(zero) { if case .unsupportedVersion(_, 0) = $0 { true } else { false } }
        let (_, text) = try await SampleSession.copy { $0["version"] = "1" }
        try expectFailure(text) { if case .invalidField(_, "version", _) = $0 { true } else { false } }
    }

    /// Hand edits that break a rule: the error names the JSON path of the field.
    @Test func impossibleFieldsAreNamed() async throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("turns[0].segments[1].codes[3]", { $0.editTurn(0) { turn in
                var segments = turn["segments"] as! [[String: Any]]
                var codes = segments[1]["codes"] as! [Int]
                codes[3] = 64
                segments[1]["codes"] = codes
                turn["segments"] = segments
            } }),
            ("turns[0].segments[1].codes", { $0.editTurn(0) { turn in
                var segments = turn["segments"] as! [[String: Any]]
                segments[1]["codes"] = [1, 2, 3]
                turn["segments"] = segments
            } }),
            ("turns[1].token_ids[0]", { $0.editTurn(1) { $0["token_ids"] = [420] } }),
            ("turns[1].token_ids[1]", { $0.editTurn(1) { $0["token_ids"] = [5, -1] } }),
            ("beginning_token_ids[0]", { $0["beginning_token_ids"] = [100000] }),
            ("turns[0].role", { $0.editTurn(0) { $0["role"] = "system" } }),
            ("turns[2]", { $0.editTurn(2) { $0["segments"] = nil } }),
            ("turns[0].segments[0].type", { $0.editTurn(0) { turn in
                var segments = turn["segments"] as! [[String: Any]]
                segments[0]["type"] = "video"
                turn["segments"] = segments
            } }),
            ("turns[1].in_context", { manifest in
                manifest.editTurn(0) { $0["in_context"] = true }
                manifest.editTurn(1) { $0["in_context"] = false }
            }),
            ("turns[0].segments[1].file", { $0.editTurn(0) { turn in
                var segments = turn["segments"] as! [[String: Any]]
                segments[1]["file"] = "../../outside.png"
                turn["segments"] = segments
            } }),
            ("model.tokenizer_sha256", { manifest in
                var model = manifest["model"] as! [String: Any]
                model["tokenizer_sha256"] = "not a hash"
                manifest["model"] = model
            }),
            ("model.vocab_size", { manifest in
                var model = manifest["model"] as! [String: Any]
                model["vocab_size"] = 0
                manifest["model"] = model
            }),
            ("sampling.text.top_p", { manifest in
                var sampling = manifest["sampling"] as! [String: Any]
                var text = sampling["text"] as! [String: Any]
                text["top_p"] = 1.5
                sampling["text"] = text
                manifest["sampling"] = sampling
            }),
            ("sampling.seed", { manifest in
                var sampling = manifest["sampling"] as! [String: Any]
                sampling["seed"] = -1
                manifest["sampling"] = sampling
            }),
            ("turns[1].token_ids[2]", { $0.editTurn(1) { turn in
                var ids = turn["token_ids"] as! [Any]
                ids[2] = 2.5
                turn["token_ids"] = ids
            } }),
            ("model.context_length", { manifest in
                var model = manifest["model"] as! [String: Any]
                model["context_length"] = 1e30
                manifest["model"] = model
            }),
            ("created", { $0["created"] = "yesterday" }),
            ("id", { $0["id"] = "a/b" }),
            ("title", { $0["title"] = nil }),
        ]
        for (field, edit) in cases {
            let (_, directory) = try await SampleSession.copy(editing: edit)
            try expectFailure(directory) { error in
                guard case .invalidField(_, let named, _) = error else { return false }
                return named == field || named.hasPrefix(field + ".") || named.hasPrefix(field + "[")
            }
        }
    }

    /// Loads a copy of the sample whose manifest text `edit` changed, expecting an invalid-field
    /// error that names `field`.
    func expectFieldNamed(_ field: String, sourceLocation: SourceLocation = #_sourceLocation,
                          editingText edit: (inout String) throws -> Void) async throws {
        let (_, directory) = try await SampleSession.copy()
        var text = try String(contentsOf: directory.appendingPathComponent("session.json"), encoding: .utf8)
        try edit(&text)
        try write(text, into: directory)
        let namesField = { (error: SessionError) -> Bool in
            guard case .invalidField(_, let named, _) = error else { return false }
            return named == field
        }
        try expectFailure(directory, namesField, sourceLocation: sourceLocation)
    }

    /// Numbers Foundation refuses without saying where, found in the text itself: a huge
    /// exponent, and one hidden in the first copy of a key that appears twice (the copy the
    /// decoder reads, though `JSONSerialization` keeps the last).
    @Test(arguments: [
        ("\"token_ids\":[", "\"token_ids\":[1e99999,", "turns[1].token_ids[0]"),
        ("\"token_ids\":[", "\"flag\":true,\"token_ids\":[2.5,", "turns[1].token_ids[0]"),
        ("\"seed\":", "\"seed\":18446744073709551616,\"seed\":", "sampling.seed"),
        ("\"temperature\":0.7", "\"temperature\":1e-300", "sampling.text.temperature"),
    ])
    func misfitNumbersInTheTextAreNamed(find: String, replace: String, field: String) async throws {
        try await expectFieldNamed(field) { text in
            // Turn 1's ids, not the first turn's.
            let from = field.hasPrefix("turns[1]") ? try #require(text.range(of: "\"role\":\"assistant\"")).upperBound : text.startIndex
            let at = try #require(text.range(of: find, range: from ..< text.endIndex))
            text.replaceSubrange(at, with: replace)
        }
    }

    /// `vocab_size` written twice, the first copy too large: the copy the decoder reads is named.
    static func hideAHugeVocabularySize(_ text: inout String) throws {
        let at = try #require(text.range(of: "\"vocab_size\":"))
        text.replaceSubrange(at, with: "\"vocab_size\":1e400,\"vocab_size\":")
    }

    @Test func aKeyThatAppearsTwiceHidingABadValueIsNamed() async throws {
        try await expectFieldNamed("model.vocab_size", editingText: Self.hideAHugeVocabularySize)
    }

    /// Many numbers that could misfit but do not (fractions under a key the decoder ignores)
    /// before the one that does: the search still lands on the culprit.
    @Test func theCulpritIsFoundAmongManySuspects() async throws {
        try await expectFieldNamed("model.vocab_size") { text in
            let decoys = Array(repeating: "0.5", count: 300).joined(separator: ",")
            text = "{\"notes\":[" + decoys + "]," + text.dropFirst()
            try Self.hideAHugeVocabularySize(&text)
        }
    }

    @Test func aMissingPictureIsNamed() async throws {
        let (_, directory) = try await SampleSession.copy()
        let picture = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".png") })
        try FileManager.default.removeItem(at: directory.appendingPathComponent(picture))
        try expectFailure(directory) { $0 == .missingPicture(path: directory.appendingPathComponent("session.json").path, file: picture) }
    }

    @Test func anOversizedManifestIsRefusedBeforeReading() async throws {
        let (_, directory) = try await SampleSession.copy()
        let handle = try FileHandle(forWritingTo: directory.appendingPathComponent("session.json"))
        try handle.truncate(atOffset: UInt64(SessionLimits.maxManifestBytes) + 1)  // sparse: costs no disk
        try handle.close()
        do {
            _ = try StoredSession(directory: directory)
            Issue.record("loaded")
        } catch {
            #expect(error == .tooLarge(path: directory.appendingPathComponent("session.json").path,
                                       bytes: SessionLimits.maxManifestBytes + 1, limit: SessionLimits.maxManifestBytes))
        }
    }

    @Test func aDirectoryWithoutManifestIsNotASession() throws {
        let directory = try SessionFixtures.scratch()
        #expect(throws: SessionError.notASessionDirectory(path: directory.standardizedFileURL.path)) { try StoredSession(directory: directory) }
    }
}

/// Checks that need the model: ids that contradict the text, another model.
@Suite struct ResumeValidationTests {
    /// Resumes `directory` into a fresh engine that already holds a conversation, expecting an
    /// error; the engine must be left as it was.
    func expectResumeFailure(_ directory: URL, allowModelMismatch: Bool = false, checkpoint: ChameleonCheckpoint? = nil,
                             sourceLocation: SourceLocation = #_sourceLocation, _ check: (SessionError) -> Bool) async throws {
        let checkpoint = try checkpoint ?? SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint)
        try await SessionFixtures.reply(engine, .user("keep me"))
        let before = await engine.tokenIDs
        let session = try StoredSession(directory: directory)
        let identity = try SessionFixtures.identity(checkpoint)
        do {
            _ = try await session.resume(into: engine, model: identity, allowModelMismatch: allowModelMismatch)
            Issue.record("the session resumed", sourceLocation: sourceLocation)
        } catch {
            #expect(check(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        }
        #expect(await engine.tokenIDs == before, "a failed resume changed the engine", sourceLocation: sourceLocation)
    }

    @Test func userTextThatContradictsItsIdsIsRefused() async throws {
        let (_, directory) = try await SampleSession.copy { $0.editTurn(2) { $0["segments"] = [["type": "text", "text": "draw something else"]] } }
        try await expectResumeFailure(directory) { if case .inconsistentTokens(_, 2, _) = $0 { true } else { false } }
    }

    @Test func assistantTextThatContradictsItsIdsIsRefused() async throws {
        let (_, directory) = try await SampleSession.copy { $0.editTurn(1) { $0["segments"] = [["type": "text", "text": "I never said that"]] } }
        try await expectResumeFailure(directory) { if case .inconsistentTokens(_, 1, _) = $0 { true } else { false } }
    }

    @Test func assistantIdsThatContradictTheirTextAreRefused() async throws {
        let (_, directory) = try await SampleSession.copy { $0.editTurn(1) { turn in
            var ids = turn["token_ids"] as! [Int]
            ids.insert(150, at: 1)  // an extra "o"
            turn["token_ids"] = ids
        } }
        try await expectResumeFailure(directory) { if case .inconsistentTokens(_, 1, _) = $0 { true } else { false } }
    }

    /// Builds before a9e8f35 encoded a typed "<racm3:break>" as the begin-image token; such a
    /// user turn still resumes, re-encoded as text, with a warning naming it.
    @Test func aUserTurnWithTypedSpecialTokensAsTokensIsReencodedAsText() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let builder = try SessionFixtures.engine(checkpoint).builder
        let typed = ChatMessage.user("draw it <racm3:break> again")
        let oldIDs = builder.ids(for: typed, specialTokensAsText: false)
        try #require(oldIDs.contains(checkpoint.vocabulary.beginImage), "the fixture's tokenizer must know the string as a special token")
        let (_, directory) = try await SampleSession.copy { $0.editTurn(2) { turn in
            turn["segments"] = [["type": "text", "text": "draw it <racm3:break> again"]]
            turn["token_ids"] = oldIDs
        } }
        let engine = try SessionFixtures.engine(checkpoint)
        let session = try StoredSession(directory: directory)
        let resumed = try await session.resume(into: engine, model: SessionFixtures.identity(checkpoint))
        #expect(resumed.warnings == ["turns[2] held special-token names typed as text, which an older omnichat read as tokens; they are text now"])
        let restored = await engine.messageTokenIDs
        #expect(restored[2] == builder.ids(for: typed))
        #expect(!restored[2].contains(checkpoint.vocabulary.beginImage))
        #expect(restored[0] == session.manifest.turns[0].tokenIDs, "other turns keep their stored ids")

        // Ids that are neither encoding are still refused.
        let (_, broken) = try await SampleSession.copy { $0.editTurn(2) { turn in
            turn["segments"] = [["type": "text", "text": "draw it <racm3:break> again"]]
            turn["token_ids"] = Array(oldIDs.dropLast())
        } }
        try await expectResumeFailure(broken) { if case .inconsistentTokens(_, 2, _) = $0 { true } else { false } }
    }

    @Test func aChangedBeginningIsRefused() async throws {
        let (_, directory) = try await SampleSession.copy { $0["beginning_token_ids"] = [0, 0] }
        try await expectResumeFailure(directory) { if case .inconsistentTokens(_, -1, _) = $0 { true } else { false } }
    }

    /// A model whose tokenizer file differs (here only in formatting, so the hash changes).
    func modelWithAnotherTokenizer() throws -> ChameleonCheckpoint {
        let directory = try SessionFixtures.scratch("model")
        for name in ["config.json", "model.safetensors", "generation_config.json"] {
            try FileManager.default.copyItem(at: SessionFixtures.plain.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        let tokenizer = try Data(contentsOf: SessionFixtures.plain.appendingPathComponent("tokenizer.json"))
        try (tokenizer + Data("\n\n".utf8)).write(to: directory.appendingPathComponent("tokenizer.json"))
        return try SessionFixtures.checkpoint(directory)
    }

    @Test func anotherTokenizerIsRefusedUnlessAllowed() async throws {
        let (_, directory) = try await SampleSession.copy()
        let other = try modelWithAnotherTokenizer()
        try await expectResumeFailure(directory, checkpoint: other) { error in
            guard case .modelMismatch(_, let detail) = error else { return false }
            return detail.contains("another tokenizer") && detail.contains("\"plain\"")
        }
        // Allowed: the text is re-encoded with the new tokenizer, with a warning.
        let engine = try SessionFixtures.engine(other)
        let session = try StoredSession(directory: directory)
        let resumed = try await session.resume(into: engine, model: SessionFixtures.identity(other), allowModelMismatch: true)
        #expect(resumed.warnings.contains { $0.contains("re-encoded") })
        #expect(await engine.messages == session.manifest.turns.map(\.chatMessage))
        #expect(await engine.messageTokenIDs == session.manifest.turns.map { engine.builder.ids(for: $0.chatMessage) })
    }

    @Test func anotherConfigWithTheSameTokenizerResumesWithAWarning() async throws {
        let (_, directory) = try await SampleSession.copy()
        let other = try SessionFixtures.checkpoint(SessionFixtures.fixtures.appendingPathComponent("gqa_bias"))
        let engine = try SessionFixtures.engine(other)
        let session = try StoredSession(directory: directory)
        let resumed = try await session.resume(into: engine, model: SessionFixtures.identity(other))
        #expect(resumed.warnings.count == 1)
        #expect(resumed.warnings[0].contains("will not continue it exactly"))
        #expect(await engine.tokenIDs == session.manifest.beginningTokenIDs + session.manifest.turns.flatMap(\.tokenIDs))
    }

    /// A crash while a message was pending in a full context leaves more than fits: the oldest
    /// turns leave the context on resume (and stay in the transcript).
    @Test func aSessionLargerThanTheContextDropsItsOldestTurns() async throws {
        let checkpoint = try SessionFixtures.checkpoint()
        let engine = try SessionFixtures.engine(checkpoint, maxNewTokens: 16)
        let store = SessionStore(directory: try SessionFixtures.scratch())
        let writer = SessionWriter(store: store, model: try SessionFixtures.identity(checkpoint), renderer: nil)
        try await SessionFixtures.converse(engine, writer: writer, messages: (1 ... 5).map { .user("message \($0): draw a red circle") })
        // A message that fits the context alone but not beside the history.
        var pending = ChatMessage.user("")
        var snapshot = await engine.sessionSnapshot()
        for words in 1 ... 200 {
            pending = .user(Array(repeating: "circle", count: words).joined(separator: " "))
            snapshot = await engine.sessionSnapshot(pending: pending)
            if snapshot.beginningTokenIDs.count + snapshot.messageTokenIDs.joined().count >= checkpoint.model.contextLength { break }
        }
        let used = snapshot.beginningTokenIDs.count + snapshot.messageTokenIDs.joined().count
        try #require(used >= checkpoint.model.contextLength, "the pending message must overflow the context (\(used) tokens)")
        try await writer.save(snapshot)  // the crash comes before the reply
        let session = try store.load(writer.id)
        let resumed = try await session.resume(into: try SessionFixtures.engine(checkpoint), model: SessionFixtures.identity(checkpoint))
        #expect(resumed.warnings.contains { $0.contains("did not fit") })
        #expect(resumed.history.count == session.manifest.turns.count)
        #expect(resumed.history.last?.chatMessage == pending)
        #expect(resumed.history.last?.inContext == true)
    }
}
