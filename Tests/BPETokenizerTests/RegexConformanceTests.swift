import Testing
@testable import BPETokenizer

/// `tokenizer.json` regexes are Oniguruma patterns; they run on ICU here. Each case compares a
/// Split pre-tokenizer against the pieces the `tokenizers` library produced.
@Suite("Oniguruma regex semantics")
struct RegexConformanceTests {
    @Test("Split pieces equal the tokenizers library's", arguments: Fixtures.golden.regex_cases.indices)
    func splitMatchesReference(index: Int) throws {
        let sample = Fixtures.golden.regex_cases[index]
        let field = JSONField(value: .null, path: "test", file: "regex")
        let pattern = try TextPattern.oniguruma(sample.pattern, field: field)
        let behavior: SplitBehavior = sample.behavior == "removed" ? .removed : .isolated
        let splitter = PreTokenizer.split(pattern, behavior, invert: false)
        let pieces = splitter.preTokenize([PreToken(scalars: Array(sample.text.unicodeScalars), startsInput: true)])
        let got = pieces.map { $0.scalars.map(\.value) }
        let want = sample.pieces.map(scalars)
        #expect(got == want, "\(sample.pattern) \(sample.behavior) on \(visible(sample.text)): \(pieces.map { visible($0.scalars.asString) })")
    }

    @Test("patterns ICU cannot express are reported, not mistranslated")
    func unsupportedConstructs() {
        let field = JSONField(value: .null, path: "pre_tokenizer.pattern", file: "t.json")
        for source in [#"a\Kb"#, "(?m:a.b)", "(?im)x"] {
            #expect(throws: TokenizerError.self, "\(source)") { try TextPattern.oniguruma(source, field: field) }
        }
        #expect(throws: TokenizerError.self) { try TextPattern.oniguruma("(unclosed", field: field) }
        #expect(throws: TokenizerError.self) { try TextPattern.oniguruma("[abc", field: field) }
    }
}
