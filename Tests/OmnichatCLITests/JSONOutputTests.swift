import Foundation
import Testing
@testable import omnichat

/// `--json` lines carry model text: what a terminal must not see raw is escaped, and the line
/// still parses to the same text.
@Suite struct JSONOutputTests {
    @Test func unsafeScalarsAreEscapedAndParseBack() throws {
        struct Reply: Codable, Equatable { let text: String }
        let reply = Reply(text: "red\u{7F}\u{9B}2J \u{202E}txt.exe\u{2028}end 안녕 🙂 \u{1B}[31m")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = terminalSafeJSON(String(decoding: try encoder.encode(reply), as: UTF8.self))
        #expect(!line.unicodeScalars.contains { $0.value == 0x7F || (0x80...0x9F).contains($0.value) || $0.value < 0x20 })
        #expect(!line.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x2028 })
        #expect(line.contains("\\u007f") && line.contains("\\u009b") && line.contains("\\u202e") && line.contains("안녕 🙂"))
        #expect(try JSONDecoder().decode(Reply.self, from: Data(line.utf8)) == reply)
    }
}
