/// Reads the part of TOML that theme and config files use: comments, `[table]` headers (dotted
/// names allowed) and `key = "string"` or `key = 'string'` pairs, and with `scalars` also bare
/// numbers and booleans (`top_k = 40`, `history = false`, kept as their text). Anything else
/// (arrays, inline tables, multi-line strings) is refused with the line it is on, so a typo never
/// passes silently.
///
/// The result maps each key's full dotted name to its value:
///
///     try TOMLSubset.parse("[status]\ntext = \"#ffffff\"\n", path: "x.toml")   // ["status.text": "#ffffff"]
enum TOMLSubset {
    static func parse(_ text: String, path: String, scalars: Bool = false) throws(ThemeError) -> [String: String] {
        var values: [String: String] = [:]
        var table = ""
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so splitting on "\n" alone would leave a file saved
        // with Windows line ends as one line.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = trimmed(rawLine)
            if line.isEmpty || line.first == "#" { continue }
            func fail(_ reason: String) -> ThemeError { .syntax(path: path, line: lineNumber, reason: reason) }

            if line.first == "[" {
                guard !line.hasPrefix("[["), let close = line.firstIndex(of: "]") else {
                    throw fail("a table header must look like [name]")
                }
                let rest = trimmed(line[line.index(after: close)...])
                guard rest.isEmpty || rest.first == "#" else { throw fail("unexpected text after the table header") }
                let name = trimmed(line[line.index(after: line.startIndex) ..< close])
                let parts = name.split(separator: ".", omittingEmptySubsequences: false).map { trimmed($0) }
                guard !parts.isEmpty, parts.allSatisfy(isBareKey) else { throw fail("bad table name \"\(name)\"") }
                table = parts.joined(separator: ".")
                continue
            }

            guard let equals = line.firstIndex(of: "=") else { throw fail("expected key = \"value\"") }
            let key = trimmed(line[..<equals])
            guard isBareKey(key) else { throw fail("bad key \"\(key)\" (letters, digits, _ and - only)") }
            var valueText = trimmed(line[line.index(after: equals)...])
            let value: String
            switch valueText.first {
            case "\"":
                (value, valueText) = try basicString(valueText, fail: fail)
            case "'":
                valueText = valueText.dropFirst()
                guard let end = valueText.firstIndex(of: "'") else { throw fail("unterminated string") }
                value = String(valueText[..<end])
                valueText = valueText[valueText.index(after: end)...]
            case .some(let first) where scalars && (first.isNumber || "+-.".contains(first) || first == "t" || first == "f"):
                let end = valueText.firstIndex { $0 == " " || $0 == "\t" || $0 == "#" } ?? valueText.endIndex
                let bare = valueText[..<end]
                guard bare == "true" || bare == "false" || Double(bare.replacingOccurrences(of: "_", with: "")) != nil else {
                    throw fail("the value of \(key) must be a quoted string, a number, true or false")
                }
                value = bare.replacingOccurrences(of: "_", with: "")
                valueText = valueText[end...]
            default:
                throw fail(scalars ? "the value of \(key) must be a quoted string, a number, true or false"
                                   : "the value of \(key) must be a quoted string")
            }
            let rest = trimmed(valueText)
            guard rest.isEmpty || rest.first == "#" else { throw fail("unexpected text after the value of \(key)") }
            let fullKey = table.isEmpty ? String(key) : table + "." + key
            guard values[fullKey] == nil else { throw fail("\(fullKey) is set twice") }
            values[fullKey] = value
        }
        return values
    }

    /// A `"…"` string with TOML's escapes; returns the value and the text after the closing quote.
    private static func basicString(_ text: Substring, fail: (String) -> ThemeError) throws(ThemeError) -> (String, Substring) {
        var value = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { return (value, text[text.index(after: index)...]) }
            if character == "\\" {
                index = text.index(after: index)
                guard index < text.endIndex else { break }
                switch text[index] {
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "u", "U":
                    let length = text[index] == "u" ? 4 : 8
                    let start = text.index(after: index)
                    guard let end = text.index(start, offsetBy: length, limitedBy: text.endIndex),
                          let code = UInt32(text[start ..< end], radix: 16), let scalar = Unicode.Scalar(code) else {
                        throw fail("bad \\u escape")
                    }
                    value.unicodeScalars.append(scalar)
                    index = text.index(before: end)
                default:
                    throw fail("unknown escape \\\(text[index])")
                }
            } else {
                value.append(character)
            }
            index = text.index(after: index)
        }
        throw fail("unterminated string")
    }

    private static func isBareKey(_ key: Substring) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "-"
        }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
