/// How many times longer a normalizer or decoder chain can make a text, at worst. A hostile
/// `tokenizer.json` can chain Replace steps that each double the text (40 of them turn one
/// letter into 2^40), so chains whose bound passes `maxFactor` are refused at load.
///
/// The bounds are per step and deliberately loose: real tokenizers stay far below the limit
/// (Llama's Prepend and Replace: 6; BERT's NFD, Lowercase and StripAccents: 12).
enum TextGrowth {
    /// The largest growth a chain may have.
    static let maxFactor = 4096.0

    /// A Replace step: every match, even an empty one (at most one per gap between scalars),
    /// becomes `content`.
    static func replace(contentCount: Int) -> Double { 1 + 2 * Double(contentCount) }

    /// The growth of steps applied one after another.
    static func chain(_ factors: [Double]) -> Double {
        factors.reduce(1) { product, factor in min(product * factor, .greatestFiniteMagnitude) }
    }
}

extension Normalizer {
    /// The most times longer this normalizer can make a text (see `TextGrowth`).
    var worstCaseGrowth: Double {
        switch self {
        case .nfc, .nfd: 4  // canonical decompositions stay within 4 scalars
        case .nfkc, .nfkd: 18  // U+FDFA decomposes into 18
        case .lowercase: 3
        case .stripAccents, .strip: 1
        case .prepend(let prefix): 1 + Double(prefix.count)
        case .replace(_, let content): TextGrowth.replace(contentCount: content.count)
        case .byteLevel: 4  // a scalar becomes its 1-4 UTF-8 bytes
        case .sequence(let steps): TextGrowth.chain(steps.map(\.worstCaseGrowth))
        }
    }
}

extension TokenDecoder {
    /// The most times longer this decoder can make a token's text (see `TextGrowth`).
    var worstCaseGrowth: Double {
        switch self {
        case .byteLevel, .byteFallback, .fuse, .strip: 1
        case .replace(_, let content): TextGrowth.replace(contentCount: content.count)
        case .metaspace: 1  // the replacement becomes a space; a leading one may go
        case .sequence(let steps): TextGrowth.chain(steps.map(\.worstCaseGrowth))
        }
    }
}
