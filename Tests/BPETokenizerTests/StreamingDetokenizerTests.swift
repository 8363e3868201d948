import Testing
@testable import BPETokenizer

@Suite("Streaming detokenizer")
struct StreamingDetokenizerTests {
    /// Feeds ids one at a time; returns every chunk, the flush included as the last one.
    static func stream(_ ids: [Int], _ tokenizer: Tokenizer, skipSpecialTokens: Bool) -> [String] {
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, skipSpecialTokens: skipSpecialTokens)
        var chunks = ids.map { detokenizer.append($0) }
        chunks.append(detokenizer.flush())
        return chunks
    }

    @Test("chunks concatenate to decode(all ids) for every corpus entry",
          arguments: Fixtures.tokenizerNames, [false, true])
    func concatenationEqualsDecode(name: String, skipSpecialTokens: Bool) {
        let tokenizer = Fixtures.tokenizer(name)
        for text in Fixtures.golden.corpus {
            let ids = tokenizer.encode(text)
            let chunks = Self.stream(ids, tokenizer, skipSpecialTokens: skipSpecialTokens)
            let whole = tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
            #expect(scalars(chunks.joined()) == scalars(whole), "\(name): \(visible(text))")
            if !whole.unicodeScalars.contains("\u{FFFD}") {
                // No chunk may carry a replacement character for a half-received character.
                for chunk in chunks {
                    #expect(!chunk.unicodeScalars.contains("\u{FFFD}"), "\(name): chunk \(visible(chunk)) of \(visible(text))")
                }
            }
        }
    }

    @Test("byte-by-byte emission never splits a character", arguments: ["chameleon", "gpt2_style", "llama3_style"])
    func byteByByte(name: String) throws {
        let tokenizer = Fixtures.tokenizer(name)
        #expect(tokenizer.decodesBytewise)
        // The id of each single-byte token of the ByteLevel alphabet.
        let byteIDs = try (0..<256).map { byte in
            try #require(tokenizer.id(forToken: String(Character(ByteLevelAlphabet.scalarForByte[byte]))))
        }
        for text in Fixtures.golden.corpus {
            let bytes = Array(text.utf8)
            var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
            var emitted = ""
            var characterEnds: Set<Int> = [0]
            var offset = 0
            for scalar in text.unicodeScalars {
                offset += UTF8.width(scalar)
                characterEnds.insert(offset)
            }
            for (index, byte) in bytes.enumerated() {
                let chunk = detokenizer.append(byteIDs[Int(byte)])
                emitted += chunk
                // After each byte, exactly the complete characters so far have been emitted.
                var complete = index + 1
                while !characterEnds.contains(complete) { complete -= 1 }
                let expected = String(decoding: bytes[0..<complete], as: UTF8.self)
                #expect(scalars(emitted) == scalars(expected), "\(name): after byte \(index) of \(visible(text))")
            }
            #expect(detokenizer.flush().isEmpty)
            #expect(scalars(emitted) == scalars(text))
        }
    }

    @Test("random id sequences (invalid UTF-8 included) stream exactly for byte-wise decoders",
          arguments: ["chameleon", "gpt2_style", "llama3_style"])
    func randomIDs(name: String) {
        let tokenizer = Fixtures.tokenizer(name)
        var generator = SeededGenerator(seed: 0x5EED)
        for _ in 0..<300 {
            let ids = (0..<Int.random(in: 1...20, using: &generator)).map { _ in
                Int.random(in: -2..<(tokenizer.vocabularySize + 2), using: &generator)
            }
            for skip in [false, true] {
                let chunks = Self.stream(ids, tokenizer, skipSpecialTokens: skip)
                #expect(scalars(chunks.joined()) == scalars(tokenizer.decode(ids, skipSpecialTokens: skip)), "\(ids)")
            }
        }
    }

    @Test("a flushed detokenizer starts afresh")
    func flushResets() throws {
        let tokenizer = Fixtures.tokenizer("chameleon")
        let euro = Array("€".utf8)  // three bytes
        let ids = try euro.map { try #require(tokenizer.id(forToken: String(Character(ByteLevelAlphabet.scalarForByte[Int($0)])))) }
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        #expect(detokenizer.append(ids[0]).isEmpty)
        #expect(detokenizer.flush() == "\u{FFFD}")
        #expect(detokenizer.append(ids[0]).isEmpty)
        #expect(detokenizer.append(ids[1]).isEmpty)
        #expect(detokenizer.append(ids[2]) == "€")
        #expect(detokenizer.flush().isEmpty)
    }
}

/// SplitMix64, so "random" test inputs are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
