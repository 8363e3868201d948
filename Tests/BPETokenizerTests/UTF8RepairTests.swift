import Testing
@testable import BPETokenizer

@Suite("Lossy UTF-8 decoding")
struct UTF8RepairTests {
    @Test("decoding in arbitrary pieces equals decoding at once")
    func piecewiseEqualsWhole() {
        var generator = SeededGenerator(seed: 42)
        let interesting: [UInt8] = [0x41, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xA0, 0xED, 0x9F, 0xEF, 0xF0,
                                    0x90, 0xF4, 0x8F, 0xF5, 0xFF]
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...16, using: &generator)).map { _ in
                Bool.random(using: &generator) ? interesting.randomElement(using: &generator)!
                                               : UInt8.random(in: 0...255, using: &generator)
            }
            let whole = UTF8Repair.decodeLossy(bytes)
            var pending: [UInt8] = []
            var output: [Unicode.Scalar] = []
            for byte in bytes {
                pending.append(byte)
                let consumed = UTF8Repair.decode(pending, isFinal: false, into: &output)
                pending.removeFirst(consumed)
            }
            _ = UTF8Repair.decode(pending, isFinal: true, into: &output)
            #expect(output == whole, "\(bytes)")
            if let valid = String(validating: bytes, as: UTF8.self) {
                #expect(whole == Array(valid.unicodeScalars))
            }
        }
    }

    @Test("maximal invalid subparts become one U+FFFD each")
    func maximalSubparts() {
        // The examples of Unicode's "U+FFFD substitution of maximal subparts" (Table 3-8).
        let bytes: [UInt8] = [0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64]
        #expect(UTF8Repair.decodeLossy(bytes).asString == "a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}d")
        #expect(UTF8Repair.decodeLossy([0xED, 0xA0, 0x80]).count == 3)  // a surrogate: three bytes, three errors
        #expect(UTF8Repair.decodeLossy([0xF0, 0x9F, 0x98]).asString == "\u{FFFD}")  // truncated emoji: one
    }
}
