/// Rewrites an Oniguruma pattern (the dialect `tokenizers` compiles its `Regex` patterns with) into
/// an ICU pattern (what `NSRegularExpression` runs) with the same meaning.
///
/// The differences handled:
/// * `\s` / `\S`: Oniguruma's Unicode `\s` includes U+000B and U+0085, ICU's does not.
/// * `\w` / `\W`: Oniguruma's word characters are Alphabetic|Mark|Decimal_Number|
///   Connector_Punctuation (ICU adds U+200C/U+200D), and outside a bracket class also the Latin-1
///   digits-like symbols ² ³ ¹ ¼ ½ ¾ (its ISO-8859-1 table). Checked against `tokenizers` over
///   every code point, as were `\s`, `\d`, `\p{L}`, `\p{N}`, `\p{P}`, `\p{Z}` and `.`.
/// * `\h` / `\H`: a hexadecimal digit in Oniguruma, horizontal whitespace in ICU.
/// * `\v`: vertical tab in Oniguruma, vertical whitespace in ICU.
/// * `.`: excludes only `\n` in Oniguruma, every line terminator in ICU.
/// * `^` / `$`: line anchors in Oniguruma (start of input or after `\n`; before `\n` or at the
///   end), input anchors in ICU. `\Z` is "end, or before a final `\n`".
/// * `{` and `}` that do not form a quantifier are literals in Oniguruma and errors in ICU;
///   `{,n}` means `{0,n}` in Oniguruma.
/// * `\p{^X}` (negated property) becomes `\P{X}`.
/// Oniguruma's `(?m)` (dot matches newline) and `\K` have no faithful rewrite here and are
/// reported as unsupported.
enum OnigurumaTranslation {
    static let whitespaceSetBody = #"\t\n\x{0B}\f\r\x{85}\p{Z}"#
    static let wordSetBody = #"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}"#
    static let latin1WordExtras = #"\x{B2}\x{B3}\x{B9}\x{BC}-\x{BE}"#
    static let hexSetBody = "0-9a-fA-F"

    enum Failure: Error {
        case unsupported(String)
        case malformed(String)
    }

    static func translate(_ pattern: String) throws(Failure) -> String {
        let scalars = Array(pattern.unicodeScalars)
        var output = ""
        var index = 0
        var classDepth = 0
        // True right after `[` or `[^`, where a `]` is a literal.
        var atClassStart = false

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        while index < scalars.count {
            let scalar = scalars[index]
            let wasAtClassStart = atClassStart
            atClassStart = false
            switch scalar {
            case "\\":
                guard let next = peek(1) else { throw .malformed("pattern ends with a lone backslash") }
                index += 2
                output += try translateEscape(next, inClass: classDepth > 0, scalars: scalars, index: &index)
                continue
            case "[":
                if classDepth > 0, peek(1) == ":" {
                    // POSIX bracket such as [:alpha:], the same in both dialects.
                    var end = index + 2
                    while end + 1 < scalars.count, !(scalars[end] == ":" && scalars[end + 1] == "]") { end += 1 }
                    guard end + 1 < scalars.count else { throw .malformed("unterminated POSIX bracket") }
                    output += scalars[index...end + 1].asString
                    index = end + 2
                    continue
                }
                classDepth += 1
                output += "["
                index += 1
                if peek(0) == "^" {
                    output += "^"
                    index += 1
                }
                atClassStart = true
                continue
            case "]":
                if classDepth > 0 {
                    if wasAtClassStart {
                        output += "\\]"
                    } else {
                        classDepth -= 1
                        output += "]"
                    }
                } else {
                    output += "\\]"
                }
            case "." where classDepth == 0:
                output += "[^\\n]"
            case "^" where classDepth == 0:
                output += "(?:\\A|(?<=\\n))"
            case "$" where classDepth == 0:
                output += "(?=\\n|\\z)"
            case "{" where classDepth == 0:
                if let (quantifier, length) = quantifier(in: scalars, at: index) {
                    output += quantifier
                    index += length
                    continue
                }
                output += "\\{"
            case "}" where classDepth == 0:
                output += "\\}"
            case "(" where classDepth == 0 && peek(1) == "?":
                try checkGroupOptions(scalars, at: index)
                output.unicodeScalars.append(scalar)
            default:
                output.unicodeScalars.append(scalar)
            }
            index += 1
        }
        guard classDepth == 0 else { throw .malformed("unterminated character class") }
        return output
    }

    /// Translates the escape whose letter is `letter`; `index` points after it.
    private static func translateEscape(
        _ letter: Unicode.Scalar, inClass: Bool, scalars: [Unicode.Scalar], index: inout Int
    ) throws(Failure) -> String {
        func set(_ body: String, negated: Bool) -> String {
            if inClass {
                return negated ? "[^\(body)]" : body
            }
            return negated ? "[^\(body)]" : "[\(body)]"
        }
        switch letter {
        case "s": return set(whitespaceSetBody, negated: false)
        case "S": return set(whitespaceSetBody, negated: true)
        case "w": return inClass ? wordSetBody : "[\(wordSetBody)\(latin1WordExtras)]"
        case "W": return inClass ? "[^\(wordSetBody)]" : "[^\(wordSetBody)\(latin1WordExtras)]"
        case "h": return set(hexSetBody, negated: false)
        case "H": return set(hexSetBody, negated: true)
        case "v": return "\\x{0B}"
        case "Z" where !inClass: return "(?=\\n?\\z)"
        case "K": throw .unsupported("the \\K escape")
        case "x" where index < scalars.count && scalars[index] == "{":
            var end = index + 1
            while end < scalars.count, scalars[end] != "}" { end += 1 }
            guard end < scalars.count else { throw .malformed("unterminated \\x{...}") }
            let body = scalars[index...end].asString
            index = end + 1
            return "\\x" + body
        case "p", "P":
            guard index < scalars.count, scalars[index] == "{" else {
                throw .malformed("\\\(letter) without a {property}")
            }
            var end = index + 1
            while end < scalars.count, scalars[end] != "}" { end += 1 }
            guard end < scalars.count else { throw .malformed("unterminated \\\(letter){...}") }
            var name = scalars[(index + 1)..<end].asString
            var negated = letter == "P"
            if name.unicodeScalars.first == "^" {
                name = String(name.unicodeScalars.dropFirst())
                negated.toggle()
            }
            index = end + 1
            return "\\\(negated ? "P" : "p"){\(name)}"
        default:
            return "\\" + String(Character(letter))
        }
    }

    /// A `{n}`, `{n,}`, `{n,m}` or `{,m}` quantifier starting at `start`, rewritten for ICU.
    private static func quantifier(in scalars: [Unicode.Scalar], at start: Int) -> (String, Int)? {
        var end = start + 1
        var lower = ""
        var upper = ""
        var sawComma = false
        while end < scalars.count, scalars[end] != "}" {
            let scalar = scalars[end]
            if scalar == "," {
                if sawComma { return nil }
                sawComma = true
            } else if ("0"..."9").contains(scalar) {
                if sawComma { upper.unicodeScalars.append(scalar) } else { lower.unicodeScalars.append(scalar) }
            } else {
                return nil
            }
            end += 1
        }
        guard end < scalars.count else { return nil }
        if lower.isEmpty && upper.isEmpty { return nil }
        if lower.isEmpty { lower = "0" }
        let body = sawComma ? "\(lower),\(upper)" : lower
        return ("{\(body)}", end - start + 1)
    }

    /// Rejects Oniguruma's `m` option (dot matches newline), whose ICU letter differs.
    private static func checkGroupOptions(_ scalars: [Unicode.Scalar], at start: Int) throws(Failure) {
        var index = start + 2
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "i", "x", "-": index += 1
            case "m": throw .unsupported("the Oniguruma (?m) option")
            default: return
            }
        }
    }
}
