/// The token ids generation needs, looked up by name in the tokenizer's vocabulary: nothing here
/// is a hard-coded id.
///
/// Image codes are the vocabulary entries named `IMGIMG<letters>Z`, where each decimal digit of
/// the code is a letter (A = 0 … J = 9). The table is built from the names and checked to cover
/// every code of the VQ codebook exactly once.
public struct ChameleonVocabulary: Sendable, Equatable {
    /// Token names of the roles generation needs. Chameleon's are the defaults; a model directory
    /// can declare others (see `ConversationFormat`).
    public struct TokenNames: Sendable, Equatable, Codable {
        public var beginOfSequence = "<s>"
        public var endOfSequence = "</s>"
        public var beginImage = "<racm3:break>"
        public var endImage = "<eoss>"
        public var endOfTurn = "<reserved08706>"
        public init() {}
    }

    public let bos: Int
    public let eos: Int
    public let beginImage: Int
    public let endImage: Int
    /// End of a conversation turn; nil when the vocabulary has no such token.
    public let endOfTurn: Int?
    /// `imageTokenIDs[code]` is the vocabulary id of VQ code `code`.
    public let imageTokenIDs: [Int]
    /// The ids from the lowest image token to the highest (nil without any): every image token,
    /// and in Chameleon's layout nothing else.
    public let imageTokenSpan: Range<Int>?
    /// `codeForToken[id]` is the VQ code of vocabulary id `id`, or −1 for non-image tokens.
    public let codeForToken: [Int32]

    /// Number of ids (the model's vocabulary size).
    public var size: Int { codeForToken.count }

    /// True if `id` is an image-code token.
    @inline(__always) public func isImageToken(_ id: Int) -> Bool {
        id >= 0 && id < codeForToken.count && codeForToken[id] >= 0
    }

    /// Builds the table from `name(id)` for every id below `size`.
    /// - Parameters:
    ///   - codebookSize: the VQGAN's number of codes; every code must have exactly one token.
    ///   - path: how errors name the tokenizer file.
    public init(size: Int, name: (Int) -> String?, codebookSize: Int, names: TokenNames = TokenNames(), path: String) throws {
        var ids: [String: Int] = [:]
        var imageIDs = [Int](repeating: -1, count: codebookSize)
        var codes = [Int32](repeating: -1, count: size)
        for id in 0..<size {
            guard let token = name(id) else { continue }
            ids[token] = ids[token] ?? id
            guard let code = Self.imageCode(ofTokenName: token) else { continue }
            guard code < codebookSize else {
                throw VocabularyError.imageCodeOutOfRange(path: path, token: token, code: code, codebookSize: codebookSize)
            }
            guard imageIDs[code] < 0 else {
                throw VocabularyError.duplicateImageCode(path: path, code: code)
            }
            imageIDs[code] = id
            codes[id] = Int32(code)
        }
        if let missing = imageIDs.firstIndex(of: -1) {
            throw VocabularyError.missingImageCode(path: path, code: missing, codebookSize: codebookSize)
        }
        func lookup(_ token: String, _ role: String) throws -> Int {
            guard let id = ids[token] else { throw VocabularyError.missingToken(path: path, token: token, role: role) }
            return id
        }
        bos = try lookup(names.beginOfSequence, "begin of sequence")
        eos = try lookup(names.endOfSequence, "end of sequence")
        beginImage = try lookup(names.beginImage, "begin image")
        endImage = try lookup(names.endImage, "end image")
        endOfTurn = ids[names.endOfTurn]
        imageTokenIDs = imageIDs
        codeForToken = codes
        imageTokenSpan = imageIDs.min().flatMap { low in imageIDs.max().map { low ..< $0 + 1 } }
    }

    /// The code an `IMGIMG<letters>Z` name stands for, or nil for any other name.
    /// Example: `IMGIMGFDZ` → "FD" → 53.
    public static func imageCode(ofTokenName name: String) -> Int? {
        let bytes = Array(name.utf8)
        let prefix = Array("IMGIMG".utf8)
        guard bytes.count > prefix.count + 1, bytes.count <= prefix.count + 1 + 9,
              bytes.starts(with: prefix), bytes.last == UInt8(ascii: "Z") else { return nil }
        var value = 0
        for letter in bytes[prefix.count..<(bytes.count - 1)] {
            guard letter >= UInt8(ascii: "A"), letter <= UInt8(ascii: "J") else { return nil }
            value = value * 10 + Int(letter - UInt8(ascii: "A"))
        }
        return value
    }
}

/// Why a tokenizer's vocabulary cannot serve a Chameleon model.
public enum VocabularyError: Error, CustomStringConvertible, Sendable, Equatable {
    case missingToken(path: String, token: String, role: String)
    case missingImageCode(path: String, code: Int, codebookSize: Int)
    case duplicateImageCode(path: String, code: Int)
    case imageCodeOutOfRange(path: String, token: String, code: Int, codebookSize: Int)
    case sizeMismatch(path: String, tokenizer: Int, model: Int)

    public var description: String {
        switch self {
        case .missingToken(let path, let token, let role):
            "\(path): the vocabulary has no \(role) token \"\(token)\""
        case .missingImageCode(let path, let code, let size):
            "\(path): no IMGIMG token for image code \(code) (the VQGAN has \(size) codes)"
        case .duplicateImageCode(let path, let code):
            "\(path): two IMGIMG tokens for image code \(code)"
        case .imageCodeOutOfRange(let path, let token, let code, let size):
            "\(path): token \(token) names image code \(code), beyond the VQGAN's \(size) codes"
        case .sizeMismatch(let path, let tokenizer, let model):
            "\(path): the tokenizer has \(tokenizer) ids but the model's vocab_size is \(model)"
        }
    }
}
