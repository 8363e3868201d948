import Foundation
import Testing
@testable import BPETokenizer

/// Bad files must give a typed one-line error naming the file, never a crash or a hang.
@Suite("Malformed and unsupported tokenizer files")
struct MalformedTokenizerTests {
    enum Kind { case unreadable, malformed, unsupported }

    static func load(_ text: String, path: String = "bad/tokenizer.json") -> TokenizerError? {
        load(Data(text.utf8), path: path)
    }

    static func load(_ data: Data, path: String = "bad/tokenizer.json") -> TokenizerError? {
        do {
            _ = try Tokenizer(data: data, path: path)
            return nil
        } catch {
            return error
        }
    }

    static func kind(_ error: TokenizerError?) -> Kind? {
        switch error {
        case .unreadable?: .unreadable
        case .malformed?: .malformed
        case .unsupported?: .unsupported
        case nil: nil
        }
    }

    /// The Chameleon fixture with one substring replaced (the substring must occur).
    static func chameleon(replacing target: String, with replacement: String) throws -> String {
        let original = String(decoding: try Fixtures.data("chameleon.json"), as: UTF8.self)
        let range = try #require(original.range(of: target), "fixture lacks \(target)")
        return original.replacingCharacters(in: range, with: replacement)
    }

    /// A decoder whose Replace blows each token up (a 250 KB file could ask for gigabytes, and
    /// the table's Int32 offsets trapped) gets no per-token table; within the cap it has one.
    @Test("a per-token byte table past its cap is not built")
    func byteTableCap() {
        let blowUp = TokenDecoder.sequence([.replace(.literal(["a"]), with: Array(repeating: "b", count: 100)), .byteLevel])
        let build = { (maxBytes: Int) in
            TokenByteTable(decoder: blowUp, vocabularySize: 50, token: { _ in "aaaa" }, maxBytes: maxBytes)
        }
        #expect(build(50 * 400) != nil)
        #expect(build(50 * 400 - 1) == nil)
        #expect(build(50 * 400).map { Array($0.bytes(for: 7)) } == Array(repeating: UInt8(ascii: "b"), count: 400))
    }

    /// Replace steps that each double the text: 40 of them turn one letter into 2^40 at load
    /// (added tokens are normalized then) or at the first decode. Such chains are refused; a
    /// few are fine.
    @Test("normalizer and decoder chains that can grow a text without bound are refused")
    func growingChains() throws {
        let doubling = #"{"type":"Replace","pattern":{"String":"a"},"content":"aa"}"#
        func chain(_ count: Int) -> String { Array(repeating: doubling, count: count).joined(separator: ",") }
        for (count, refused) in [(3, false), (40, true)] {
            let normalizer = try Self.chameleon(replacing: #""normalizer":null"#,
                                                with: #""normalizer":{"type":"Sequence","normalizers":[\#(chain(count))]}"#)
            let decoder = try Self.chameleon(
                replacing: #""decoder":{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}"#,
                with: #""decoder":{"type":"Sequence","decoders":[\#(chain(count)),{"type":"ByteLevel"}]}"#)
            for text in [normalizer, decoder] {
                let error = Self.load(text)
                #expect((Self.kind(error) == .unsupported) == refused, "\(count) steps: \(String(describing: error))")
                if refused { #expect(error?.description.contains("times longer") == true) }
            }
        }
    }

    @Test("a missing file is unreadable and named")
    func missingFile() {
        let url = Fixtures.directory.appendingPathComponent("does-not-exist.json")
        do {
            _ = try Tokenizer(contentsOf: url)
            Issue.record("loading a missing file succeeded")
        } catch {
            #expect(Self.kind(error) == .unreadable)
            #expect(error.description.hasPrefix(url.path))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("every truncation of a real file is malformed", arguments: Fixtures.tokenizerNames)
    func truncated(name: String) throws {
        let data = try Fixtures.data("\(name).json")
        var generator = SeededGenerator(seed: UInt64(data.count))
        var cuts = [0, 1, 2, data.count / 2, data.count - 2, data.count - 1]
        cuts += (0..<40).map { _ in Int.random(in: 0..<data.count, using: &generator) }
        for cut in cuts {
            let error = Self.load(data.prefix(cut), path: "\(name).json")
            #expect(Self.kind(error) == .malformed, "cut at \(cut): \(String(describing: error))")
            #expect(error?.description.hasPrefix("\(name).json: ") == true)
        }
    }

    @Test("structurally broken JSON is malformed")
    func brokenJSON() {
        let cases = [
            "", "hello", "[]", "null", "{}", #"{"model": 3}"#, #"{"model": {"type": "BPE"}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 99999999999}, "merges": []}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [7]}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"id": 1}]}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Split"}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"no_type": 1}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "decoder": {"type": "Strip", "content": "ab"}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a\u00"#,
            #"{"model": {"type": "BPE", "vocab": {"\ud800": 0}, "merges": []}}"#,
            #"{"a": 1,}"#, #"{"a": 01}"#, #"{"a": tru}"#, "{\"a\": \"tab\there\"}",
            String(repeating: "[", count: 100_000),
        ]
        for text in cases {
            let error = Self.load(text)
            #expect(Self.kind(error) == .malformed, "\(text.prefix(80)): \(String(describing: error))")
            #expect(error?.description.hasPrefix("bad/tokenizer.json: malformed tokenizer: ") == true)
        }
        var invalidUTF8 = Data(#"{"model": {"type": "BPE", "vocab": {""#.utf8)
        invalidUTF8.append(contentsOf: [0xC3, 0x28])
        invalidUTF8.append(contentsOf: Data(#"": 0}, "merges": []}}"#.utf8))
        #expect(Self.kind(Self.load(invalidUTF8)) == .malformed)
    }

    @Test("features outside the implementation are unsupported, naming the feature")
    func unsupportedFeatures() throws {
        let cases: [(String, String, String)] = [
            (#""type":"BPE""#, #""type":"WordPiece""#, "WordPiece"),
            (#""dropout":null"#, #""dropout":0.1"#, "dropout"),
            (#""truncation":null"#, #""truncation":{"max_length":8}"#, "truncation"),
            (#""padding":null"#, #""padding":{"strategy":"BatchLongest"}"#, "padding"),
            (#""normalizer":null"#, #""normalizer":{"type":"BertNormalizer"}"#, "BertNormalizer"),
            (#""decoder":{"type":"ByteLevel""#, #""decoder":{"type":"WordPiece""#, "WordPiece"),
            (#""post_processor":{"type":"TemplateProcessing""#, #""post_processor":{"type":"Mystery""#, "Mystery"),
            (#"{"Regex":"<sentinel:[0-9]+>"}"#, #"{"Regex":"a\\Kb"}"#, "\\K"),
            (#"{"Regex":"<sentinel:[0-9]+>"}"#, #"{"Regex":"(?m:a.b)"}"#, "(?m)"),
            (#"{"Regex":"<sentinel:[0-9]+>"}"#, #"{"Regex":"(unclosed"}"#, "cannot be compiled"),
        ]
        for (target, replacement, feature) in cases {
            let error = Self.load(try Self.chameleon(replacing: target, with: replacement), path: "chameleon.json")
            #expect(Self.kind(error) == .unsupported, "\(replacement): \(String(describing: error))")
            let description = error?.description ?? ""
            #expect(description.hasPrefix("chameleon.json: unsupported tokenizer feature: "), "\(description)")
            #expect(description.contains(feature), "\(description)")
        }
        let unknownPreTokenizer = try Self.chameleon(replacing: #"{"type":"Split","pattern":{"Regex":"<sentinel"#,
                                                     with: #"{"type":"UnicodeScripts"},{"type":"Split","pattern":{"Regex":"<sentinel"#)
        #expect(Self.kind(Self.load(unknownPreTokenizer)) == .unsupported)
    }

    @Test("loading the intact fixtures succeeds (so the cases above fail for their edit alone)")
    func intactFixturesLoad() throws {
        for name in Fixtures.tokenizerNames {
            #expect(Self.load(try Fixtures.data("\(name).json")) == nil, "\(name)")
        }
        #expect(Self.load(try Self.chameleon(replacing: #""dropout":null"#, with: #""dropout":0"#)) == nil)
    }
}
