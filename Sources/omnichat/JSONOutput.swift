import Foundation

/// Prints one JSON object on one line, keys sorted, slashes unescaped.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// Writes to standard error (progress and notes, never the answer).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
