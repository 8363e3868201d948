import ChameleonModel
import ChatEngine
import Foundation

/// A session validated against the running model and restored into its engine.
public struct ResumedSession: Sendable {
    public let session: StoredSession
    /// The model that continues the session (its identity goes into later saves).
    public let model: ModelIdentity
    /// Every turn, in and out of the model's context, as later saves will write them.
    public let history: [SessionManifest.Turn]
    /// The session's generation settings (already applied to the engine).
    public let sampling: SessionSampling
    /// Things the user should know (a different model config, turns that no longer fit...).
    public let warnings: [String]

    /// Every turn as a chat message, for the transcript.
    public var messages: [ChatMessage] { history.map(\.chatMessage) }
}

/// What restoring a session into a model needs, worked out and checked before anything changes.
struct ResumePlan: Sendable {
    var beginning: [Int]
    var history: [SessionManifest.Turn]
    var warnings: [String]

    /// The in-context turns with their ids, for `InferenceEngine.restore`.
    var restored: [(message: ChatMessage, tokenIDs: [Int])] {
        history.filter(\.inContext).map { ($0.chatMessage, $0.tokenIDs) }
    }
}

extension StoredSession {
    /// Checks the session against the engine's model and restores the engine from the stored
    /// token ids, so the next reply continues exactly where the session stopped; then applies
    /// the session's sampling settings.
    ///
    /// - Parameters:
    ///   - model: the identity of the engine's model (`ModelIdentity(checkpoint:)`).
    ///   - allowModelMismatch: continue a session made with a model whose tokenizer differs by
    ///     re-encoding its text with this model's tokenizer (not exact). Without it, that is a
    ///     `modelMismatch` error.
    /// On any error the engine is left as it was, and no file is touched.
    public func resume(into engine: InferenceEngine, model: ModelIdentity,
                       allowModelMismatch: Bool = false) async throws(SessionError) -> ResumedSession {
        let plan = try resumePlan(builder: engine.builder, model: model, allowModelMismatch: allowModelMismatch)
        do {
            try await engine.restore(beginning: plan.beginning, messages: plan.restored)
        } catch let error as EngineError {
            switch error {
            case let .doesNotFit(tokens, context): throw .doesNotFit(path: manifestPath, tokens: tokens, context: context)
            case let .invalidToken(id, size):
                throw .invalidField(path: manifestPath, field: "turns", reason: "token id \(id) is outside the model's vocabulary of \(size)")
            }
        } catch {
            throw .invalidField(path: manifestPath, field: "turns", reason: "\(error)")
        }
        await engine.setOptions(manifest.sampling.generationOptions)
        return ResumedSession(session: self, model: model, history: plan.history, sampling: manifest.sampling, warnings: plan.warnings)
    }

    /// Resumes the session into `engine` and returns the writer that continues saving it. The
    /// session's lock is taken first, so a session another omnichat holds (`sessionInUse`) or a
    /// directory that cannot be locked leaves the engine as it was: a failed `/load` must not
    /// leave the engine holding one session while the chat still saves to another.
    public func resumeForWriting(into engine: InferenceEngine, model: ModelIdentity, allowModelMismatch: Bool = false,
                                 store: SessionStore, renderer: PictureRenderer?) async throws(SessionError)
        -> (resumed: ResumedSession, writer: SessionWriter) {
        let lock = try FileLock(path: directory.appendingPathComponent(SessionWriter.lockName).path, sessionPath: directory.path)
        let resumed: ResumedSession
        do {
            resumed = try await resume(into: engine, model: model, allowModelMismatch: allowModelMismatch)
        } catch {
            lock.release()
            throw error
        }
        return (resumed, SessionWriter(continuing: resumed, store: store, renderer: renderer, heldLock: lock))
    }

    /// The checks and the ids to restore, without touching an engine.
    func resumePlan(builder: PromptBuilder, model current: ModelIdentity, allowModelMismatch: Bool) throws(SessionError) -> ResumePlan {
        let stored = manifest.model
        let path = manifestPath
        var warnings: [String] = []
        let hasPictures = manifest.turns.contains { $0.segments.contains { if case .picture = $0 { true } else { false } } }
        if hasPictures && (stored.codebookSize != current.codebookSize || stored.codesPerPicture != current.codesPerPicture) {
            throw .modelMismatch(path: path, detail: "its pictures have \(stored.codesPerPicture) codes from a codebook of \(stored.codebookSize); model \"\(current.name)\" draws \(current.codesPerPicture) codes from \(current.codebookSize), so it cannot continue this session")
        }
        let sameTokenizer = stored.tokenizerSHA256 == current.tokenizerSHA256
        if !sameTokenizer && !allowModelMismatch {
            throw .modelMismatch(path: path, detail: "made with model \"\(stored.name)\" (\(stored.directory), tokenizer sha256 \(stored.tokenizerSHA256.prefix(12))…), but model \"\(current.name)\" has another tokenizer (\(current.tokenizerSHA256.prefix(12))…); load that model, or allow a model mismatch to re-encode the conversation with this one")
        }
        if stored.configSHA256 != current.configSHA256 || stored.tokenizerSHA256 != current.tokenizerSHA256 {
            warnings.append("this session was made with model \"\(stored.name)\" (config sha256 \(stored.configSHA256.prefix(12))…); model \"\(current.name)\" (\(current.configSHA256.prefix(12))…) will not continue it exactly as before")
        }

        var history = manifest.turns
        let beginning: [Int]
        if sameTokenizer {
            let checker = TokenConsistency(builder: builder, codesPerPicture: current.codesPerPicture, path: path)
            let vocabularySize = current.vocabularySize
            for (field, ids) in [("beginning_token_ids", manifest.beginningTokenIDs)] + history.enumerated().map({ ("turns[\($0)].token_ids", $1.tokenIDs) }) {
                if let index = ids.firstIndex(where: { $0 < 0 || $0 >= vocabularySize }) {
                    throw .invalidField(path: path, field: "\(field)[\(index)]", reason: "token id \(ids[index]) is outside model \"\(current.name)\"'s vocabulary of \(vocabularySize)")
                }
            }
            try checker.checkBeginning(manifest.beginningTokenIDs)
            var reencoded: [Int] = []
            for (index, turn) in history.enumerated() {
                if case .typedSpecialTokensAsTokens(let ids) = try checker.check(turn, index: index, mode: manifest.sampling.mode) {
                    history[index].tokenIDs = ids
                    reencoded.append(index)
                }
            }
            if !reencoded.isEmpty {
                warnings.append("\(reencoded.map { "turns[\($0)]" }.joined(separator: ", ")) held special-token names typed as text, which an older omnichat read as tokens; they are text now")
            }
            beginning = manifest.beginningTokenIDs
        } else {
            beginning = builder.beginning()
            for index in history.indices { history[index].tokenIDs = builder.ids(for: history[index].chatMessage) }
            warnings.append("the conversation was re-encoded with model \"\(current.name)\"'s tokenizer")
        }

        // A session saved with a pending message in a full context holds more than fits:
        // the oldest turns leave the context (they stay in the transcript), as the engine does.
        var dropped = 0
        func contextTokens() -> Int { beginning.count + history.filter(\.inContext).reduce(0) { $0 + $1.tokenIDs.count } }
        while contextTokens() >= current.contextLength, let first = history.firstIndex(where: \.inContext) {
            for index in first ..< min(first + 2, history.count) where history[index].inContext {
                history[index].inContext = false
                dropped += 1
            }
        }
        if dropped > 0 {
            warnings.append("the \(dropped) oldest turn\(dropped == 1 ? "" : "s") did not fit in the model's context of \(current.contextLength) tokens; they stay in the transcript only")
        }
        return ResumePlan(beginning: beginning, history: history, warnings: warnings)
    }
}
