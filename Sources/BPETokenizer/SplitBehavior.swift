/// What a split does with the delimiters it finds (`tokenizers`' `SplitDelimiterBehavior`).
enum SplitBehavior: Sendable {
    case removed
    case isolated
    case mergedWithPrevious
    case mergedWithNext
    case contiguous

    static func parse(_ field: JSONField) throws(TokenizerError) -> SplitBehavior {
        switch try field.string() {
        case "Removed": .removed
        case "Isolated": .isolated
        case "MergedWithPrevious": .mergedWithPrevious
        case "MergedWithNext": .mergedWithNext
        case "Contiguous": .contiguous
        case let other: throw field.malformed("unknown split behavior '\(other)'")
        }
    }

    /// The ranges to keep, given `find_matches`-style pieces that cover the text.
    /// Empty ranges may appear; callers drop them.
    func keptRanges(_ pieces: [(range: Range<Int>, isMatch: Bool)]) -> [Range<Int>] {
        switch self {
        case .removed:
            return pieces.filter { !$0.isMatch }.map(\.range)
        case .isolated:
            return pieces.map(\.range)
        case .contiguous:
            var kept: [Range<Int>] = []
            var previousMatch = false
            for piece in pieces {
                if piece.isMatch == previousMatch, let last = kept.last {
                    kept[kept.count - 1] = last.lowerBound..<piece.range.upperBound
                } else {
                    kept.append(piece.range)
                }
                previousMatch = piece.isMatch
            }
            return kept
        case .mergedWithPrevious:
            var kept: [Range<Int>] = []
            var previousMatch = false
            for piece in pieces {
                if piece.isMatch && !previousMatch, let last = kept.last {
                    kept[kept.count - 1] = last.lowerBound..<piece.range.upperBound
                } else {
                    kept.append(piece.range)
                }
                previousMatch = piece.isMatch
            }
            return kept
        case .mergedWithNext:
            var kept: [Range<Int>] = []
            var previousMatch = false
            for piece in pieces.reversed() {
                if piece.isMatch && !previousMatch, let last = kept.last {
                    kept[kept.count - 1] = piece.range.lowerBound..<last.upperBound
                } else {
                    kept.append(piece.range)
                }
                previousMatch = piece.isMatch
            }
            return kept.reversed()
        }
    }
}
