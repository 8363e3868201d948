/// Conversation text made inert in a Markdown document: what the model or a person wrote reads
/// as the same words in any CommonMark renderer, never as markup (no raw HTML, no images or links
/// that load something, no headings that forge a turn).
enum MarkdownText {
    /// Characters that start inline markup wherever they stand: code, emphasis, links and
    /// images, raw HTML and entities, tables, strikethrough, and the escape itself.
    private static let inlineMarkup: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "&", "|", "~"]

    /// Characters that start a block (heading, list item, setext underline) at a line's start.
    private static let blockMarkup: Set<Character> = ["#", "-", "+", "="]

    /// `text` with every markup character backslash-escaped (CommonMark lets any ASCII
    /// punctuation be escaped, and renders the escaped character as itself).
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.offset > 0 { out.append("\n") }
            out += escapedLine(line.element)
        }
        return out
    }

    private static func escapedLine(_ line: Substring) -> String {
        var out = ""
        var atStart = true     // only spaces so far: a block marker here would start a block
        var digitsSoFar = true // only spaces and digits so far: "1." or "1)" would start a list
        var sawDigit = false
        for character in line {
            if inlineMarkup.contains(character) || (atStart && blockMarkup.contains(character))
                || (digitsSoFar && sawDigit && (character == "." || character == ")")) {
                out.append("\\")
            }
            out.append(character)
            if character == " " || character == "\t" { continue }
            atStart = false
            if character.isASCII && character.isNumber { sawDigit = true } else { digitsSoFar = false }
        }
        return out
    }
}
