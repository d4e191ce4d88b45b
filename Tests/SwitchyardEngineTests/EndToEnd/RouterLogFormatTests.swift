import Foundation
import Testing
@testable import SwitchyardEngine

/// The router's log lines on stderr, as a log collector or an operator reads them.
@Suite(.database) struct RouterLogFormatTests {
    @Test func jsonLogsAreOneObjectPerLineWithTheRouterID() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let output = try Executable.run(["router", "--log-format", "json", "--exit-when-idle", "--router-id", "json-logs"],
                                        environment: schema.processEnvironment)
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stderr.split(separator: "\n")
        #expect(lines.count >= 2, "\(output.stderr)")
        var messages: [String] = []
        for line in lines {
            let parsed = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let object = try #require(parsed, "not a JSON object: \(line)")
            #expect(object["ts"] is String && object["level"] as? String == "info", "\(line)")
            #expect(object["router_id"] as? String == "json-logs", "\(line)")
            messages.append(try #require(object["msg"] as? String))
        }
        #expect(messages.first?.hasPrefix("router json-logs started: dry-run") == true, "\(messages)")
        #expect(messages.last?.hasPrefix("router json-logs stopped: processed 0") == true, "\(messages)")
    }

    @Test func plainLogsAreATimestampThenTheMessage() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let output = try Executable.run(["router", "--exit-when-idle", "--router-id", "plain-logs"],
                                        environment: schema.processEnvironment)
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stderr.split(separator: "\n").map(String.init)
        let stamped = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ router plain-logs (started|stopped): /#
        #expect(lines.count == 2 && lines.allSatisfy { $0.firstMatch(of: stamped) != nil }, "\(output.stderr)")
    }
}
