import Foundation
import Testing
@testable import SwitchyardEngine

/// The pure pieces of the monitor: no database.
struct MonitorFormattingTests {
    @Test func prettyPayloadOnlyChangesWhitespace() {
        let text = #"{"a": [1, 2.50, {}], "b": {"c": "x, {y}: \"z\" \\"}, "d": [], "e": null}"#
        #expect(JSONIndenter.indent(text) == #"""
            {
              "a": [
                1,
                2.50,
                {}
              ],
              "b": {
                "c": "x, {y}: \"z\" \\"
              },
              "d": [],
              "e": null
            }
            """#)
        #expect(JSONIndenter.indent("4150.00") == "4150.00")
        #expect(JSONIndenter.indent(#""a string""#) == #""a string""#)
    }

    @Test func postgresArraysParseQuotedEscapedAndNull() {
        #expect(PostgresArray.parse("{}") == [])
        #expect(PostgresArray.parse("{EXIT}") == ["EXIT"])
        #expect(PostgresArray.parse(#"{PENDING,"a b","q\"uote",NULL,"NULL"}"#) == ["PENDING", "a b", #"q"uote"#, nil, "NULL"])
        #expect(PostgresArray.parse("{0.95,0.04}") == ["0.95", "0.04"])
        #expect(PostgresArray.parse("not an array") == [])
    }

    @Test func containsPatternsMatchPatternCharactersLiterally() {
        #expect(MonitorQueries.containsPattern("ES-") == "%ES-%")
        #expect(MonitorQueries.containsPattern(#"50%_a\b"#) == #"%50\%\_a\\b%"#)
    }

    @Test func theRefreshIntervalHasAFloor() {
        #expect(MonitorQueries.refreshInterval(.milliseconds(10)) == .milliseconds(250))
        #expect(MonitorQueries.refreshInterval(.zero) == .milliseconds(250))
        #expect(MonitorQueries.refreshInterval(.seconds(1)) == .seconds(1))
    }

    @Test func aPartThatCouldNotBeReadKeepsItsEarlierValueMarkedStale() {
        let earlier = MonitorFixture.expected
        var later = DashboardSnapshot(takenAt: earlier.takenAt.addingTimeInterval(1), queue: QueueDepth(
            counts: [.pending: 9], oldestEligibleAge: 1), recentLogs: [], deadTasks: [], heldTasks: [], routers: [],
            control: earlier.control)
        later.unavailable = ["rates": "timed out after 2 s (statement_timeout)", "failedTasks": "timed out after 2 s (statement_timeout)"]
        let merged = later.keepingEarlierParts(from: earlier)
        #expect(merged.rates == earlier.rates && merged.failedTasks == earlier.failedTasks)
        #expect(merged.isStale(.rates) && merged.isStale(.failedTasks))
        #expect(merged.unavailable == later.unavailable)
        // What was read fresh stays fresh, even when empty.
        #expect(merged.queue == later.queue && merged.routers == [] && !merged.isStale(.queue))
        #expect(merged.takenAt == later.takenAt)
        // Task lists read with another filter are not kept; nor is anything from a newer snapshot.
        var filtered = later
        filtered.filter = TaskFilter(eventType: .exit)
        #expect(filtered.keepingEarlierParts(from: earlier).failedTasks == nil)
        #expect(filtered.keepingEarlierParts(from: earlier).rates == earlier.rates)
        #expect(earlier.keepingEarlierParts(from: merged) == earlier)
        #expect(later.keepingEarlierParts(from: nil) == later)
    }

    @Test func thresholdsNameEachTrippedConditionAndTripWhenTheyCannotLook() {
        let now = Date(timeIntervalSince1970: 1_795_428_030)
        var snapshot = DashboardSnapshot(takenAt: now, queue: QueueDepth(counts: [.failed: 3], oldestEligibleAge: 12.34),
                                         routers: [])
        let all = SnapshotThresholds(maxLag: 10, maxFailed: 2, requireRouter: true)
        #expect(all.violations(in: snapshot) == [
            .init(condition: .lag, message: "the oldest eligible task has waited 12.3s, more than 10s."),
            .init(condition: .failed, message: "3 tasks are FAILED, more than 2."),
            .init(condition: .noRouter, message: "no live router (none heartbeating within its lease, on the database's clock)."),
        ])
        #expect(SnapshotThresholds(maxLag: 12.34, maxFailed: 3).violations(in: snapshot) == [])
        #expect(SnapshotThresholds().violations(in: snapshot) == [])
        snapshot.queue = nil
        snapshot.routers = nil
        snapshot.unavailable = ["queue": "timed out after 2 s (statement_timeout)"]
        #expect(all.violations(in: snapshot) == [
            .init(condition: .lag, message: "cannot check, queue is unavailable (timed out after 2 s (statement_timeout))."),
            .init(condition: .failed, message: "cannot check, queue is unavailable (timed out after 2 s (statement_timeout))."),
            .init(condition: .noRouter, message: "cannot check, routers is unavailable (not read)."),
        ])
    }

    @Test func jsonWritesEveryKeyWithNullsForMissingParts() throws {
        let snapshot = DashboardSnapshot(takenAt: Date(timeIntervalSince1970: 1_795_428_030.5),
                                         queue: QueueDepth(counts: [.success: 9, .other("CANCELLED"): 1], oldestEligibleAge: nil,
                                                           estimated: [.success]),
                                         unavailable: ["recentLogs": "timed out after 2 s (statement_timeout)"])
        #expect(try SnapshotJSON.encode(snapshot, prettyPrinted: false) == """
            {"accounts":null,"alerts":null,"control":null,"dead_tasks":null,"failed_tasks":null,"format_version":1,"held_tasks":null,\
            "observed_accounts":null,\
            "queue":{"counts":{"CANCELLED":1,"DEAD":0,"FAILED":0,"HELD":0,"PENDING":0,"RETRYING":0,"RUNNING":0,"SUCCESS":9},\
            "estimated":["SUCCESS"],"oldest_eligible_age_seconds":null,"scheduled":0},"rates":null,"recent_logs":null,"routers":null,\
            "schedules":null,"taken_at":"2026-11-23T10:00:30.500Z","unavailable":{"recent_logs":"timed out after 2 s (statement_timeout)"}}
            """)
    }
}
