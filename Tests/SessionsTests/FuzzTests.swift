import ChameleonModel
import ChatEngine
import Foundation
import Testing
@testable import Sessions

/// Random damage to a valid manifest (truncations, byte flips, insertions, swapped values,
/// deleted keys, extreme numbers, deep nesting): every load ends in a valid session or a typed
/// one-line error, never a crash or a hang. Seeds are fixed, so a failure reproduces.
@Suite struct FuzzTests {
    struct Mutator {
        var rng: SeededGenerator

        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

        static var extremes: [Any] { [
            NSNull(), -1, 0, 1, 2, 63, 64, 255, 256, 419, 420, Int.max, Int.min, 1e300, -0.0, 0.5, Double.leastNonzeroMagnitude,
            "", "x", "../session.json", "picture-0000000000000000.png", "\u{1B}[31m", "\u{202E}", String(repeating: "a", count: 300),
            true, false, [Any](), [String: Any](), [1, 2, 3], ["type": "picture", "codes": [1], "file": NSNull()],
            ["type": "text", "text": 5], "2025-13-45T99:99:99Z", "interleaved", "free",
        ] }

        /// A byte-level mutation of `data`.
        mutating func mutateBytes(_ data: Data) -> Data {
            var bytes = [UInt8](data)
            switch below(6) {
            case 0: bytes = Array(bytes.prefix(below(bytes.count)))
            case 1:
                for _ in 0 ... below(8) where !bytes.isEmpty { bytes[below(bytes.count)] ^= UInt8(1 << below(8)) }
            case 2:
                let insert = (0 ..< 1 + below(16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                bytes.insert(contentsOf: insert, at: below(bytes.count + 1))
            case 3:
                let start = below(bytes.count)
                bytes.removeSubrange(start ..< min(bytes.count, start + 1 + below(64)))
            case 4:
                let start = below(bytes.count)
                let piece = bytes[start ..< min(bytes.count, start + 1 + below(200))]
                bytes.insert(contentsOf: piece, at: below(bytes.count + 1))
            default:
                // Replace a digit run with a huge or negative number.
                let digits = bytes.indices.filter { (48 ... 57).contains(bytes[$0]) }
                if let at = digits.isEmpty ? nil : digits[below(digits.count)] {
                    let replacement = ["-7", "99999999999999999999999", "1e999", "0.25", "-0"][below(5)]
                    bytes.replaceSubrange(at ... at, with: Array(replacement.utf8))
                }
            }
            return Data(bytes)
        }

        /// A structural mutation: some value somewhere is replaced, removed or duplicated.
        mutating func mutateValue(_ value: Any, depth: Int = 0) -> Any {
            let stop = depth > 0 && below(4) == 0
            if var object = value as? [String: Any], !object.isEmpty, !stop {
                let key = object.keys.sorted()[below(object.count)]
                switch below(4) {
                case 0: object[key] = nil
                case 1: object[key] = Self.extremes[below(Self.extremes.count)]
                default: object[key] = mutateValue(object[key]!, depth: depth + 1)
                }
                return object
            }
            if var array = value as? [Any], !array.isEmpty, !stop {
                let index = below(array.count)
                switch below(5) {
                case 0: array.remove(at: index)
                case 1: array.append(array[index])
                case 2: array[index] = Self.extremes[below(Self.extremes.count)]
                default: array[index] = mutateValue(array[index], depth: depth + 1)
                }
                return array
            }
            return Self.extremes[below(Self.extremes.count)]
        }
    }

    /// The manifest with the values that differ between runs (the checkout's path, the time,
    /// the random part of the id) replaced by fixed ones of a fixed length, so that a seed makes
    /// the same mutations on every machine.
    static func pinned(_ manifest: Data) throws -> Data {
        let object = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        let model = try #require(object["model"] as? [String: Any])
        var text = String(decoding: manifest, as: UTF8.self)
        let fixed: [(String?, String)] = [
            (model["directory"] as? String, "/fixtures/engine/plain"),
            (object["id"] as? String, "20250601-120000-abcdef"),
            (object["created"] as? String, "2025-06-01T12:00:00.000Z"),
            (object["updated"] as? String, "2025-06-01T12:00:01.000Z"),
        ]
        for case let (value?, replacement) in fixed {
            text = text.replacingOccurrences(of: "\"" + value + "\"", with: "\"" + replacement + "\"")
        }
        return Data(text.utf8)
    }

    /// Loads and, when the load succeeds, plans a resume against the model and exports it:
    /// every failure must be a `SessionError` with a one-line description.
    func exercise(_ data: Data, in directory: URL, builder: PromptBuilder, model: ModelIdentity, outcomes: inout [String: Int]) throws {
        try data.write(to: directory.appendingPathComponent("session.json"))
        do {
            let session = try StoredSession(directory: directory)
            _ = try session.resumePlan(builder: builder, model: model, allowModelMismatch: false)
            _ = try session.resumePlan(builder: builder, model: model, allowModelMismatch: true)
            outcomes["resumable", default: 0] += 1
        } catch {
            #expect(!error.description.isEmpty && !error.description.contains("\n"), "\(error)")
            outcomes["\(error)".split(separator: ":").dropFirst().first.map(String.init) ?? "?", default: 0] += 1
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func mutatedManifestsNeverCrash(seed: UInt64) async throws {
        let (_, directory) = try await SampleSession.copy()
        let original = try Self.pinned(Data(contentsOf: directory.appendingPathComponent("session.json")))
        let checkpoint = try SessionFixtures.checkpoint()
        let builder = try PromptBuilder(tokenizer: checkpoint.tokenizer, format: try ConversationFormat.load(directory: checkpoint.directory),
                                        vocabulary: checkpoint.vocabulary)
        let model = try SessionFixtures.identity(checkpoint)
        var mutator = Mutator(rng: SeededGenerator(seed: seed))
        let object = try JSONSerialization.jsonObject(with: original)
        var outcomes: [String: Int] = [:]
        for round in 0 ..< 400 {
            var data: Data
            if round % 2 == 0 {
                data = mutator.mutateBytes(original)
                if mutator.below(3) == 0 { data = mutator.mutateBytes(data) }
            } else {
                var value = mutator.mutateValue(object)
                if mutator.below(3) == 0 { value = mutator.mutateValue(value) }
                data = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])) ?? Data("null".utf8)
            }
            try exercise(data, in: directory, builder: builder, model: model, outcomes: &outcomes)
        }
        #expect(outcomes.count > 20, "the mutations reach many kinds of error: \(outcomes)")
        #expect(outcomes["resumable", default: 0] > 0, "some mutations leave a valid session")
        #expect(outcomes[" (manifest)"] == nil, "every field error names its field")
    }

    /// Nesting deep enough to exhaust a recursive parser's stack.
    @Test func deeplyNestedJSONIsRefused() async throws {
        let (_, directory) = try await SampleSession.copy()
        let checkpoint = try SessionFixtures.checkpoint()
        let builder = try PromptBuilder(tokenizer: checkpoint.tokenizer, format: .chameleonDefault, vocabulary: checkpoint.vocabulary)
        var outcomes: [String: Int] = [:]
        for depth in [1000, 100_000] {
            for text in [String(repeating: "[", count: depth), String(repeating: "{\"a\":", count: depth),
                         "{\"format\": \"omnichat-session\", \"version\": 1, \"turns\": " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"] {
                try exercise(Data(text.utf8), in: directory, builder: builder, model: SessionFixtures.identity(checkpoint), outcomes: &outcomes)
            }
        }
        #expect(outcomes["resumable"] == nil)
    }
}
