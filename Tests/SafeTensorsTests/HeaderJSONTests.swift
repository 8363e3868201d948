import Testing
@testable import SafeTensors

/// The strict JSON reader the header and index parsing rely on.
@Suite struct HeaderJSONTests {
    private func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}} "#)
        #expect(value == .object([
            ("a", .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null])),
            ("b", .object([("c", .string("d"))])),
        ]))
    }

    @Test func keepsKeyOrder() throws {
        guard case let .object(members) = try parse(#"{"z":1,"a":2,"m":3}"#) else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["z", "a", "m"])
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
        #expect(throws: JSONSyntaxError.self) { try parse(#""\ud83d""#) }
        #expect(throws: JSONSyntaxError.self) { try parse(#""\x""#) }
        #expect(throws: JSONSyntaxError.self) { try parse("\"a\u{1}b\"") }
    }

    @Test func integersAreExactUpTo64Bits() throws {
        #expect(try parse("18446744073709551615").nonNegativeInteger == .value(.max))
        #expect(try parse("9007199254740993").nonNegativeInteger == .value(9_007_199_254_740_993))  // 2^53 + 1
        #expect(try parse("18446744073709551616").nonNegativeInteger == .tooLarge)
        #expect(try parse("-1").nonNegativeInteger == .negative)
        #expect(try parse("1.0").nonNegativeInteger == .notAnInteger)
        #expect(try parse("1e3").nonNegativeInteger == .notAnInteger)
        #expect(JSONValue.string("1").nonNegativeInteger == .notAnInteger)
    }

    @Test func rejectsMalformedText() {
        for text in ["", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "01", "1.", "-", "tru", "{} {}", "{\"a\":1 \"b\":2}", "\u{0}"] {
            #expect(throws: JSONSyntaxError.self, "\(text.debugDescription)") { try parse(text) }
        }
    }

    @Test func rejectsDuplicateKeysWithTheirOffset() {
        #expect(throws: JSONSyntaxError(offset: 8, reason: "duplicate key \"a\"")) { try parse(#"{"a":1, "a":2}"#) }
    }

    @Test func limitsNestingInsteadOfOverflowingTheStack() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: JSONParser.maximumDepth - 1) + String(repeating: "]", count: JSONParser.maximumDepth - 1)
        _ = try parse(fine)
    }

    @Test func quotingRoundTrips() throws {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{7} é 😀"
        #expect(try parse(JSONValue.quoted(text)) == .string(text))
    }
}
