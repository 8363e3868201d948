import Testing
@testable import BPETokenizer

/// Ids and text must equal what the `tokenizers` library produced for the same files.
@Suite("Conformance with the tokenizers library")
struct GoldenConformanceTests {
    static let corpusIndices = Array(Fixtures.golden.corpus.indices)

    @Test("encode and decode every corpus entry", arguments: Fixtures.tokenizerNames, corpusIndices)
    func corpusEntry(name: String, index: Int) {
        let tokenizer = Fixtures.tokenizer(name)
        let text = Fixtures.golden.corpus[index]
        let expected = Fixtures.golden.tokenizers[name]!.cases[index]
        #expect(tokenizer.encode(text) == expected.ids, "\(name) ids of \(visible(text))")
        #expect(tokenizer.encode(text, addSpecialTokens: false) == expected.ids_without_special,
                "\(name) ids without special tokens of \(visible(text))")
        #expect(tokenizer.encode(text, addSpecialTokens: false, specialTokensAsText: true) == expected.ids_special_as_text,
                "\(name) ids with special tokens read as text of \(visible(text))")
        let decoded = tokenizer.decode(expected.ids)
        #expect(scalars(decoded) == scalars(expected.decoded),
                "\(name) decode: \(visible(decoded)) != \(visible(expected.decoded))")
        let skipping = tokenizer.decode(expected.ids, skipSpecialTokens: true)
        #expect(scalars(skipping) == scalars(expected.decoded_skipping_special),
                "\(name) decode skipping special: \(visible(skipping)) != \(visible(expected.decoded_skipping_special))")
        if let prefixes = expected.prefix_decodes {
            for (length, want) in prefixes.enumerated() {
                let got = tokenizer.decode(Array(expected.ids.prefix(length)))
                #expect(scalars(got) == scalars(want), "\(name) decode of the first \(length) ids: \(visible(got))")
            }
        }
    }

    @Test("decode seeded random id lists", arguments: Fixtures.tokenizerNames)
    func randomDecodes(name: String) {
        let tokenizer = Fixtures.tokenizer(name)
        for sample in Fixtures.golden.tokenizers[name]!.random_decodes {
            let decoded = tokenizer.decode(sample.ids)
            #expect(scalars(decoded) == scalars(sample.decoded), "\(name) \(sample.ids): \(visible(decoded))")
            let skipping = tokenizer.decode(sample.ids, skipSpecialTokens: true)
            #expect(scalars(skipping) == scalars(sample.decoded_skipping_special),
                    "\(name) \(sample.ids) skipping special: \(visible(skipping))")
        }
    }

    @Test("vocabulary size and special token ids", arguments: Fixtures.tokenizerNames)
    func vocabulary(name: String) {
        let tokenizer = Fixtures.tokenizer(name)
        let expected = Fixtures.golden.tokenizers[name]!
        #expect(tokenizer.vocabularySize == expected.vocabulary_size)
        #expect(tokenizer.specialTokenIDs == Set(expected.special_token_ids))
        #expect(tokenizer.token(forID: -1) == nil)
        #expect(tokenizer.token(forID: tokenizer.vocabularySize) == nil)
        for (id, expectedToken) in expected.id_to_token.enumerated() {
            let token = tokenizer.token(forID: id)
            #expect(token.map(scalars) == expectedToken.map(scalars), "\(name): token(forID: \(id))")
            if let token {
                #expect(tokenizer.id(forToken: token) == expected.token_to_id[id], "\(name): id(forToken: \(visible(token)))")
            }
        }
        for (content, id) in expected.added_token_ids {
            #expect(tokenizer.id(forToken: content) == id, "\(name): id(forToken: \(visible(content)))")
        }
    }
}
