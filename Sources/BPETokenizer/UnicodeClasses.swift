/// Character classes with the exact meaning the `tokenizers` library (Rust) gives them.
///
/// All of them look at single Unicode scalars; nothing here uses Swift's grapheme clusters.
enum UnicodeClasses {
    /// Rust `char::is_whitespace` and the Rust `regex` crate's `\s`: the White_Space property.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// Rust `char::is_numeric`: General_Category Nd, Nl or No.
    static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }

    /// The Rust `regex` crate's Unicode `\w`: Alphabetic, Mark, Decimal_Number,
    /// Connector_Punctuation or Join_Control.
    static func isRegexWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// `tokenizers`' punctuation test: ASCII punctuation or any Unicode P* category.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            if (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
                || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value) {
                return true
            }
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// General_Category Mark (Mn, Mc, Me), as used by the StripAccents normalizer.
    static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}

extension Array where Element == Unicode.Scalar {
    /// The scalars as a `String`, exactly (no normalization).
    var asString: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: self)
        return String(view)
    }
}

extension ArraySlice where Element == Unicode.Scalar {
    var asString: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: self)
        return String(view)
    }
}
