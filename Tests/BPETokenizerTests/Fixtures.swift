import Foundation
import Testing
@testable import BPETokenizer

/// The golden data written by tools/fixtures/make_tokenizer_fixtures.py from the `tokenizers`
/// library, read with Foundation's JSONDecoder (independent of the module's own JSON parser).
struct Golden: Decodable, Sendable {
    struct Case: Decodable, Sendable {
        let ids: [Int]
        let ids_without_special: [Int]
        let ids_special_as_text: [Int]
        let decoded: String
        let decoded_skipping_special: String
        let prefix_decodes: [String]?
    }

    struct RandomDecode: Decodable, Sendable {
        let ids: [Int]
        let decoded: String
        let decoded_skipping_special: String
    }

    struct TokenizerResults: Decodable, Sendable {
        let file: String
        let vocabulary_size: Int
        let special_token_ids: [Int]
        let id_to_token: [String?]
        let token_to_id: [Int?]
        let added_token_ids: [String: Int]
        let cases: [Case]
        let random_decodes: [RandomDecode]
    }

    struct RegexCase: Decodable, Sendable {
        let pattern: String
        let behavior: String
        let text: String
        let pieces: [String]
    }

    let corpus: [String]
    let tokenizers: [String: TokenizerResults]
    let regex_cases: [RegexCase]
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
        .appendingPathComponent("tokenizer")

    static let golden: Golden = {
        let url = directory.appendingPathComponent("golden.json")
        do {
            return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error); run tools/fixtures/make_tokenizer_fixtures.py")
        }
    }()

    static let tokenizerNames: [String] = golden.tokenizers.keys.sorted()

    static let tokenizers: [String: Tokenizer] = {
        var loaded: [String: Tokenizer] = [:]
        for (name, results) in golden.tokenizers {
            let url = directory.appendingPathComponent(results.file)
            do {
                loaded[name] = try Tokenizer(contentsOf: url)
            } catch {
                fatalError("fixture \(url.path) failed to load: \(error)")
            }
        }
        return loaded
    }()

    static func tokenizer(_ name: String) -> Tokenizer {
        guard let tokenizer = tokenizers[name] else { fatalError("no fixture tokenizer \(name)") }
        return tokenizer
    }

    static func data(_ file: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(file))
    }
}

/// Exact comparison: Swift's `==` on String is canonical equivalence, which would hide
/// normalization bugs ("é" == "e\u{301}").
func scalars(_ text: String) -> [UInt32] {
    text.unicodeScalars.map(\.value)
}

/// A readable form of a string for failure messages.
func visible(_ text: String) -> String {
    text.unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
}
