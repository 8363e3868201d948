/// The BPE model of a `tokenizer.json`: vocabulary, ranked merges, and the word → ids algorithm
/// of `tokenizers` (`BPE::merge_word` and `Word::merge_all` without dropout).
struct BPEModel: Sendable {
    /// What merging a pair produces.
    struct Merge: Sendable {
        let rank: Int32
        let newID: Int32
    }

    /// Token ids are kept below this; larger ids would only come from a corrupt file.
    static let maximumID = 1 << 24

    let vocabulary: [ExactString: Int]
    /// `tokenForID[id]`, nil where the vocabulary has no such id.
    let tokenForID: [String?]
    private let idForScalar: [Unicode.Scalar: Int]
    private let merges: [UInt64: Merge]
    private let unknownID: Int?
    private let fuseUnknown: Bool
    private let byteFallback: Bool
    /// `byteTokenIDs[b]` is the id of `<0xBB>`, or -1.
    private let byteTokenIDs: [Int]
    private let ignoreMerges: Bool
    private let continuingSubwordPrefix: String?
    private let endOfWordSuffix: String?
    private let cache = WordCache()

    @inline(__always)
    private static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    init(_ field: JSONField) throws(TokenizerError) {
        if let type = try field.optionalString("type"), type != "BPE" {
            throw field.unsupported("model type '\(type)' (only BPE is implemented)")
        }
        if let dropout = try field.member("dropout") {
            switch dropout.value {
            case .integer(0), .double(0): break  // zero dropout is no dropout
            default: throw dropout.unsupported("BPE dropout (must be null)")
            }
        }
        let vocabField = try field.requiredMember("vocab")
        var vocabulary: [ExactString: Int] = [:]
        var maximum = -1
        let entries = try vocabField.members()
        vocabulary.reserveCapacity(entries.count)
        for (token, idField) in entries {
            let id = try idField.int()
            guard id >= 0 && id < Self.maximumID else { throw idField.malformed("token id \(id) is out of range") }
            vocabulary[ExactString(token)] = id
            maximum = max(maximum, id)
        }
        var tokenForID = [String?](repeating: nil, count: maximum + 1)
        var idForScalar: [Unicode.Scalar: Int] = [:]
        for (key, id) in vocabulary {
            if tokenForID[id] == nil { tokenForID[id] = key.string }
            var scalars = key.string.unicodeScalars.makeIterator()
            if let first = scalars.next(), scalars.next() == nil { idForScalar[first] = id }
        }
        self.vocabulary = vocabulary
        self.tokenForID = tokenForID
        self.idForScalar = idForScalar

        self.continuingSubwordPrefix = try field.optionalString("continuing_subword_prefix")
        self.endOfWordSuffix = try field.optionalString("end_of_word_suffix")
        self.fuseUnknown = try field.bool("fuse_unk", default: false)
        self.byteFallback = try field.bool("byte_fallback", default: false)
        self.ignoreMerges = try field.bool("ignore_merges", default: false)
        if let unknown = try field.optionalString("unk_token") {
            // `tokenizers` only fails when an unknown character actually needs this token; a
            // missing one here means such characters are dropped.
            self.unknownID = vocabulary[ExactString(unknown)]
        } else {
            self.unknownID = nil
        }
        var byteTokenIDs = [Int](repeating: -1, count: 256)
        for byte in 0..<256 {
            byteTokenIDs[byte] = vocabulary[ExactString(Self.byteTokenName(UInt8(byte)))] ?? -1
        }
        self.byteTokenIDs = byteTokenIDs
        self.merges = try Self.parseMerges(try field.member("merges"), vocabulary: vocabulary,
                                           prefix: continuingSubwordPrefix)
    }

    /// `<0xAB>`: the vocabulary name of a byte-fallback token (upper-case hex).
    static func byteTokenName(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".unicodeScalars)
        return "<0x" + String(Character(digits[Int(byte >> 4)])) + String(Character(digits[Int(byte & 15)])) + ">"
    }

    private static func parseMerges(
        _ field: JSONField?, vocabulary: [ExactString: Int], prefix: String?
    ) throws(TokenizerError) -> [UInt64: Merge] {
        guard let field else { return [:] }
        let entries = try field.array()
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(entries.count)
        for (rank, entry) in entries.enumerated() {
            let left: String
            let right: String
            switch entry.value {
            case .string(let line):
                let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw entry.malformed("a merge must be two tokens separated by one space") }
                left = String(String.UnicodeScalarView(parts[0]))
                right = String(String.UnicodeScalarView(parts[1]))
            case .array(let pair):
                guard pair.count == 2, case .string(let first) = pair[0], case .string(let second) = pair[1] else {
                    throw entry.malformed("a merge must be a pair of strings")
                }
                left = first
                right = second
            default:
                throw entry.malformed("a merge must be a string or a pair of strings")
            }
            guard let leftID = vocabulary[ExactString(left)] else {
                throw entry.malformed("merge token '\(left)' is not in the vocabulary")
            }
            guard let rightID = vocabulary[ExactString(right)] else {
                throw entry.malformed("merge token '\(right)' is not in the vocabulary")
            }
            var rightPart = right
            if let prefix, right.utf8.starts(with: prefix.utf8) {
                rightPart = String(decoding: right.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
            }
            let merged = left + rightPart
            guard let newID = vocabulary[ExactString(merged)] else {
                throw entry.malformed("merged token '\(merged)' is not in the vocabulary")
            }
            // A repeated pair keeps its last rank, as `tokenizers`' map construction does.
            merges[pairKey(Int32(leftID), Int32(rightID))] = Merge(rank: Int32(rank), newID: Int32(newID))
        }
        return merges
    }

    /// The ids of one pre-tokenized word.
    func tokenize(_ word: [Unicode.Scalar]) -> [Int] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocabulary[ExactString(word.asString)] { return [id] }
        if let cached = cache.lookup(word) { return cached }
        let ids = applyMerges(to: initialSymbols(of: word))
        cache.store(word, ids)
        return ids
    }

    /// One symbol per scalar (with prefix/suffix), byte-fallback tokens or `unk` where needed.
    private func initialSymbols(of word: [Unicode.Scalar]) -> [Int] {
        var symbols: [Int] = []
        symbols.reserveCapacity(word.count)
        var pendingUnknown: Int?
        let decorated = continuingSubwordPrefix != nil || endOfWordSuffix != nil
        for (index, scalar) in word.enumerated() {
            var piece: String?
            var id: Int?
            if decorated {
                var text = String(Character(scalar))
                if index > 0, let prefix = continuingSubwordPrefix { text = prefix + text }
                if index == word.count - 1, let suffix = endOfWordSuffix { text += suffix }
                piece = text
                id = vocabulary[ExactString(text)]
            } else {
                id = idForScalar[scalar]
            }
            if let id {
                if let unknown = pendingUnknown {
                    symbols.append(unknown)
                    pendingUnknown = nil
                }
                symbols.append(id)
                continue
            }
            if byteFallback {
                let bytes = piece.map { Array($0.utf8) } ?? Array(String(Character(scalar)).utf8)
                let ids = bytes.map { byteTokenIDs[Int($0)] }
                if !ids.contains(-1) {
                    // As in `tokenizers`, a pending unknown is not flushed here.
                    symbols.append(contentsOf: ids)
                    continue
                }
            }
            if let unknownID {
                if let unknown = pendingUnknown, !fuseUnknown {
                    symbols.append(unknown)
                }
                pendingUnknown = unknownID
            }
        }
        if let unknown = pendingUnknown { symbols.append(unknown) }
        return symbols
    }

    /// Applies merges lowest rank first (leftmost on ties) until none applies.
    private func applyMerges(to ids: [Int]) -> [Int] {
        let count = ids.count
        if count < 2 { return ids }
        var symbol = ids.map { Int32($0) }
        var previous = (0..<count).map { Int32($0 - 1) }
        var next = (0..<count).map { $0 + 1 < count ? Int32($0 + 1) : -1 }
        var alive = [Bool](repeating: true, count: count)
        var queue = MergeQueue(capacity: count * 2)
        for position in 0..<(count - 1) {
            if let merge = merges[Self.pairKey(symbol[position], symbol[position + 1])] {
                queue.push(PendingMerge(rank: merge.rank, position: Int32(position), newID: merge.newID))
            }
        }
        while let top = queue.pop() {
            let position = Int(top.position)
            guard alive[position] else { continue }
            let right = next[position]
            guard right >= 0 else { continue }
            guard let current = merges[Self.pairKey(symbol[position], symbol[Int(right)])],
                  current.newID == top.newID else { continue }
            symbol[position] = top.newID
            alive[Int(right)] = false
            let afterRight = next[Int(right)]
            next[position] = afterRight
            if afterRight >= 0 { previous[Int(afterRight)] = Int32(position) }
            let before = previous[position]
            if before >= 0, let merge = merges[Self.pairKey(symbol[Int(before)], symbol[position])] {
                queue.push(PendingMerge(rank: merge.rank, position: before, newID: merge.newID))
            }
            if afterRight >= 0, let merge = merges[Self.pairKey(symbol[position], symbol[Int(afterRight)])] {
                queue.push(PendingMerge(rank: merge.rank, position: Int32(position), newID: merge.newID))
            }
        }
        var result: [Int] = []
        result.reserveCapacity(count)
        for index in 0..<count where alive[index] { result.append(Int(symbol[index])) }
        return result
    }
}
