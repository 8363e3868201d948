/// A `tokenizer.json` post-processor, reduced to what it does to the ids of a single sequence.
indirect enum PostProcessor: Sendable {
    /// The ids to put before and after the sequence when special tokens are requested.
    case wrap(prefix: [Int], suffix: [Int])
    /// Changes offsets only (`ByteLevel`), so the ids pass through.
    case identity
    case sequence([PostProcessor])

    static func parse(_ field: JSONField) throws(TokenizerError) -> PostProcessor {
        let type = try field.typeTag()
        switch type {
        case "TemplateProcessing":
            return try parseTemplate(field)
        case "ByteLevel":
            return .identity
        case "BertProcessing", "RobertaProcessing":
            let cls = try parseTokenPair(try field.requiredMember("cls"))
            let sep = try parseTokenPair(try field.requiredMember("sep"))
            return .wrap(prefix: [cls], suffix: [sep])
        case "Sequence":
            var steps: [PostProcessor] = []
            for step in try field.requiredMember("processors").array() { steps.append(try parse(step)) }
            return .sequence(steps)
        default:
            throw field.unsupported("post-processor type '\(type)'")
        }
    }

    /// `["[CLS]", 101]` → 101.
    private static func parseTokenPair(_ field: JSONField) throws(TokenizerError) -> Int {
        let parts = try field.array()
        guard parts.count == 2 else { throw field.malformed("expected [token, id]") }
        _ = try parts[0].string()
        return try parts[1].int()
    }

    /// The `single` template: special-token pieces before and after one `$A` piece.
    private static func parseTemplate(_ field: JSONField) throws(TokenizerError) -> PostProcessor {
        var idsBySpecialToken: [ExactString: [Int]] = [:]
        if let specials = try field.member("special_tokens") {
            for (name, entry) in try specials.members() {
                var ids: [Int] = []
                for id in try entry.requiredMember("ids").array() { ids.append(try id.int()) }
                idsBySpecialToken[ExactString(name)] = ids
            }
        }
        var prefix: [Int] = []
        var suffix: [Int] = []
        var sawSequence = false
        for piece in try field.requiredMember("single").array() {
            if let special = try piece.member("SpecialToken") {
                let name = try special.requiredMember("id").string()
                guard let ids = idsBySpecialToken[ExactString(name)] else {
                    throw special.malformed("template token '\(name)' is missing from special_tokens")
                }
                if sawSequence { suffix += ids } else { prefix += ids }
            } else if let sequence = try piece.member("Sequence") {
                let which = try sequence.requiredMember("id").string()
                guard which == "A" else { throw sequence.malformed("the single template can only hold $A") }
                guard !sawSequence else { throw sequence.unsupported("a single template with $A twice") }
                sawSequence = true
            } else {
                throw piece.malformed("expected a SpecialToken or Sequence piece")
            }
        }
        guard sawSequence else { throw field.unsupported("a single template without $A") }
        return .wrap(prefix: prefix, suffix: suffix)
    }

    func process(_ ids: [Int], addSpecialTokens: Bool) -> [Int] {
        switch self {
        case .identity:
            return ids
        case .wrap(let prefix, let suffix):
            return addSpecialTokens ? prefix + ids + suffix : ids
        case .sequence(let steps):
            var current = ids
            for step in steps { current = step.process(current, addSpecialTokens: addSpecialTokens) }
            return current
        }
    }
}
