import Foundation
import Testing
@testable import SwitchyardEngine

/// The small text helpers that stand in for Foundation's (which the engine does not link).
struct TextHelpersTests {
    @Test func decimalTextMatchesPrintf() {
        for (value, places) in [(1.4, 1), (12.5, 2), (1234.5678, 2), (0.0, 1), (2.0, 0), (-3.25, 1),
                                (0.004, 2), (1e6 + 0.5, 1)] {
            #expect(decimalText(value, places: places) == String(format: "%.\(places)f", value), "\(value)")
        }
        #expect(decimalText(.infinity, places: 1) == "inf")
    }

    @Test func trimmedDropsSpacesTabsAndNewlinesAtBothEnds() {
        #expect("  a b \t\n".trimmed == "a b")
        #expect(" \n ".trimmed == "")
        #expect("x".trimmed == "x")
        #expect("a  \n".trimmingTrailingWhitespace == "a" && "  a".trimmingTrailingWhitespace == "  a")
    }

    @Test func iso8601IsUTCToTheSecond() {
        #expect(PostgresTime.iso8601(Date(timeIntervalSince1970: 1_795_403_529.9)) == "2026-11-23T03:12:09Z")
        #expect(PostgresTime.iso8601(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }

    @Test func anEnqueueLineBecomesACheckedTask() throws {
        let line = #"{"trade_id":"ES-1","event_type":"EXIT","max_attempts":3,"payload":{"kind":"EXIT","exit_type":"TP","exit_price":4160.5,"size":2,"note":"a \"quoted\"\nline"}}"#
        let task = try NewTask(jsonLine: line, maxAttempts: 7)
        #expect(task.tradeID == "ES-1" && task.eventType == .exit && task.maxAttempts == 3)
        #expect(task.payload == #"{"exit_price":4160.5,"exit_type":"TP","kind":"EXIT","note":"a \"quoted\"\nline","size":2}"#)
        #expect(try ParsedJSON.parse(task.payload!) == ParsedJSON.parse(#"{"kind":"EXIT","exit_type":"TP","exit_price":4160.5,"size":2,"note":"a \"quoted\"\nline"}"#))
        let noLimit = try NewTask(jsonLine: #"{"trade_id":"ES-2","event_type":"EXIT","payload":{"kind":"EXIT","exit_type":"SL","exit_price":4150}}"#, maxAttempts: 7)
        #expect(noLimit.maxAttempts == 7)
    }

    @Test func aBadEnqueueLineNamesWhatIsWrong() {
        func error(_ line: String) -> PayloadError? {
            do { _ = try NewTask(jsonLine: line, maxAttempts: nil); return nil } catch { return error as? PayloadError }
        }
        #expect(error("[1]")?.description.contains("not a JSON object") == true)
        #expect(error(#"{"event_type":"ENTRY","payload":{}}"#)?.field == "trade_id")
        #expect(error(#"{"trade_id":"A","event_type":"BUY","payload":{}}"#)?.field == "event_type")
        #expect(error(#"{"trade_id":"A","event_type":"EXIT","payload":"x"}"#)?.field == "payload")
    }

    @Test func aDecodingErrorSaysWhereInTheDocument() {
        struct Accounts: Decodable { var accounts: [Account] }
        struct Account: Decodable { var name: String }
        do {
            _ = try JSONDecoder().decode(Accounts.self, from: Data(#"{"accounts":[{"name":"a"},{"name":5}]}"#.utf8))
            Issue.record("decoded")
        } catch {
            #expect(describeDecodingError(error).hasPrefix("at accounts[1].name: "))
        }
    }
}
