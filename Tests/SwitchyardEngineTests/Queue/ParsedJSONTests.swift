import Foundation
import Testing
@testable import SwitchyardEngine

struct ParsedJSONTests {
    @Test func parsesTheSeedPayloads() throws {
        let entry = try ParsedJSON.parse(#" {"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM","ok":true,"x":null,"n":[1,-2e3,0.5]} "#)
        #expect(entry == .object(["kind": .string("ENTRY"), "direction": .string("LONG"), "entry_price": .number(4156.25),
                                  "stop_loss": .number(4150), "session": .string("NY AM"), "ok": .bool(true), "x": .null,
                                  "n": .array([.number(1), .number(-2000), .number(0.5)])]))
    }

    @Test func decodesEscapes() throws {
        #expect(try ParsedJSON.parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
        #expect(try ParsedJSON.parse(#""caf\u00e9 ünï""#) == .string("café ünï"))
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1,]", "01", "1.", "-", "\"abc", "tru", "{\"a\" 1}", "[1] 2", "\"\\x\"",
                      "\"\\ud800\"", "1e999", "{'a':1}", "\"a\u{01}b\""])
    func rejectsWhatIsNotJSON(text: String) {
        #expect(throws: ParsedJSONError.self) { try ParsedJSON.parse(text) }
    }

    @Test func refusesDeepNestingInsteadOfOverflowingTheStack() {
        #expect(throws: ParsedJSONError.self) { try ParsedJSON.parse(String(repeating: "[", count: 60_000)) }
        #expect(throws: Never.self) { try ParsedJSON.parse(String(repeating: "[", count: 500) + String(repeating: "]", count: 500)) }
    }

    @Test func arrayParametersQuoteAndEscapeEveryElement() {
        #expect(["a", "b\"c", "d\\e", "é"].postgresText == #"{"a","b\"c","d\\e","é"}"#)
        #expect([1, nil, 3].postgresText == #"{"1",NULL,"3"}"#)
        #expect([String]().postgresText == "{}")
    }
}
