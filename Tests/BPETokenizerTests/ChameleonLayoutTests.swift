import Testing
@testable import BPETokenizer

/// The id layout tools/chameleon_tokenizer.py promises and the engine relies on
/// (docs/chameleon-format.md §3.2-3.3).
@Suite("Chameleon tokenizer layout")
struct ChameleonLayoutTests {
    static let imageCodes = 64

    static func imageTokenName(_ code: Int) -> String {
        "IMGIMG" + String(code).unicodeScalars.map { String(Character(Unicode.Scalar($0.value - 48 + 65)!)) }.joined() + "Z"
    }

    @Test("special tokens, image tokens and markers sit at their ids")
    func layout() {
        let tokenizer = Fixtures.tokenizer("chameleon")
        for (id, token) in ["<s>", "<pad>", "</s>", "<unk>"].enumerated() {
            #expect(tokenizer.id(forToken: token) == id)
        }
        for code in 0..<Self.imageCodes {
            let name = Self.imageTokenName(code)
            #expect(tokenizer.id(forToken: name) == code + 4, "\(name)")
            #expect(tokenizer.token(forID: code + 4) == name)
            #expect(tokenizer.encode(name, addSpecialTokens: false) == [code + 4], "\(name) is one token")
        }
        #expect(Self.imageTokenName(53) == "IMGIMGFDZ")
        #expect(tokenizer.id(forToken: "<eoss>") == Self.imageCodes + 4)
        #expect(tokenizer.id(forToken: "<racm3:break>") == Self.imageCodes + 5)
        #expect(tokenizer.id(forToken: "<reserved08706>") == Self.imageCodes + 6)
        #expect(tokenizer.id(forToken: "<image>") == Self.imageCodes + 7)
        #expect(tokenizer.specialTokenIDs.isSuperset(of: 0..<(Self.imageCodes + 8)))
        #expect(tokenizer.decodesBytewise)
    }

    @Test("BOS is prepended only with special tokens; markers in text are whole tokens")
    func bosAndMarkers() {
        let tokenizer = Fixtures.tokenizer("chameleon")
        let text = "a cat<racm3:break>IMGIMGBZIMGIMGCZ<eoss><reserved08706>"
        let ids = tokenizer.encode(text)
        #expect(ids.first == 0)
        #expect(Array(ids.dropFirst()) == tokenizer.encode(text, addSpecialTokens: false))
        #expect(Array(ids.suffix(5)) == [Self.imageCodes + 5, 5, 6, Self.imageCodes + 4, Self.imageCodes + 6])
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "a cat")
        #expect(tokenizer.decode(ids) == "<s>" + text)
    }
}
