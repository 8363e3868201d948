import ChatUI
import Foundation

/// Prints one JSON object on one line, keys sorted, slashes unescaped.
///
/// JSONEncoder escapes only the C0 controls; DEL, the C1 controls, bidi controls and the line
/// and paragraph separators, which model text or a file may hold, are written as `\uXXXX`
/// escapes too, so the line is as safe on a terminal as the chat's own output and parses to the
/// same values.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(Data(terminalSafeJSON(String(decoding: data, as: UTF8.self)).utf8))
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// `json` with every scalar a terminal must not see raw written as a `\uXXXX` escape (such
/// scalars can only stand inside JSON strings, where the escape means the same character).
func terminalSafeJSON(_ json: String) -> String {
    TerminalText.safe(json) { String(format: "\\u%04x", $0.value) }
}

/// Writes to standard error (progress and notes, never the answer).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
