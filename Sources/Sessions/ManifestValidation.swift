import Foundation

/// Checks of a decoded manifest that need no model: every value within the ranges the manifest
/// itself declares, and the files it names. A model-dependent check (token ids against the
/// tokenizer) is `SessionResumer`'s.
extension SessionManifest {
    /// Largest vocabulary, codebook or picture a manifest may declare (guards against absurd
    /// values in a hand-edited file before anything is sized from them).
    static let maxDeclaredSize = 1 << 24

    /// Throws the first impossible value, naming its JSON path.
    public func validate(path: String) throws(SessionError) {
        func fail(_ field: String, _ reason: String) -> SessionError {
            .invalidField(path: path, field: field, reason: reason)
        }
        guard Self.isValidID(id) else {
            throw fail("id", "must be 1 to 128 characters without \"/\", control characters or a leading \".\"")
        }
        let sizes: [(String, Int)] = [
            ("model.vocab_size", model.vocabularySize), ("model.codebook_size", model.codebookSize),
            ("model.codes_per_picture", model.codesPerPicture), ("model.context_length", model.contextLength),
        ]
        for (field, value) in sizes where !(1 ... Self.maxDeclaredSize).contains(value) {
            throw fail(field, "\(value) is not between 1 and \(Self.maxDeclaredSize)")
        }
        for (field, hash) in [("model.config_sha256", model.configSHA256), ("model.tokenizer_sha256", model.tokenizerSHA256)]
        where !Self.isSHA256Hex(hash) {
            throw fail(field, "must be 64 lower-case hexadecimal digits")
        }
        if let (field, reason) = sampling.problem() { throw fail("sampling.\(field)", reason) }

        let vocabulary = model.vocabularySize
        if let index = beginningTokenIDs.firstIndex(where: { $0 < 0 || $0 >= vocabulary }) {
            throw fail("beginning_token_ids[\(index)]", "token id \(beginningTokenIDs[index]) is outside the vocabulary of \(vocabulary)")
        }
        var seenInContext = false
        for (t, turn) in turns.enumerated() {
            if let index = turn.tokenIDs.firstIndex(where: { $0 < 0 || $0 >= vocabulary }) {
                throw fail("turns[\(t)].token_ids[\(index)]", "token id \(turn.tokenIDs[index]) is outside the vocabulary of \(vocabulary)")
            }
            if turn.inContext {
                seenInContext = true
            } else if seenInContext {
                throw fail("turns[\(t)].in_context", "a turn outside the context follows one inside it (only the oldest turns are dropped)")
            }
            for (s, segment) in turn.segments.enumerated() {
                guard case .picture(let codes, let file) = segment else { continue }
                let field = "turns[\(t)].segments[\(s)]"
                // In free mode the model may close a picture early; elsewhere a picture is whole.
                guard codes.count == model.codesPerPicture || (sampling.mode == .free && codes.count <= model.contextLength) else {
                    throw fail("\(field).codes", "\(codes.count) codes, but a picture has \(model.codesPerPicture)")
                }
                if let index = codes.firstIndex(where: { $0 < 0 || $0 >= model.codebookSize }) {
                    throw fail("\(field).codes[\(index)]", "code \(codes[index]) is outside the codebook of \(model.codebookSize)")
                }
                if let file, !Self.isPlainFileName(file) {
                    throw fail("\(field).file", "\"\(file)\" must be a file name in the session directory ending in .png")
                }
            }
        }
    }

    /// Checks that every picture file the manifest names is a regular file in `directory`.
    public func validateFiles(in directory: URL, manifestPath: String) throws(SessionError) {
        for turn in turns {
            for segment in turn.segments {
                guard case .picture(_, let file?) = segment else { continue }
                var isDirectory: ObjCBool = false
                let url = directory.appendingPathComponent(file)
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                    throw .missingPicture(path: manifestPath, file: file)
                }
            }
        }
    }

    // MARK: - Rules for names

    /// Ids name directories: 1–128 characters, no slash, no control character, no leading dot.
    static func isValidID(_ id: String) -> Bool {
        guard (1 ... 128).contains(id.count), !id.hasPrefix("."), !id.contains("/") else { return false }
        return !id.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80 ... 0x9F).contains($0.value) }
    }

    static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48 ... 57).contains($0) || (97 ... 102).contains($0) }
    }

    /// A picture file lives in the session directory itself: no path separators, no `..`, no
    /// hidden names, and it ends in `.png`.
    static func isPlainFileName(_ name: String) -> Bool {
        guard (5 ... 255).contains(name.utf8.count), name.hasSuffix(".png"), !name.hasPrefix("."), !name.contains("/"),
              !name.contains("\0") else { return false }
        return !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
