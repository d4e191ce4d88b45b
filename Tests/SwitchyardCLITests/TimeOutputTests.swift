import Foundation
import SwitchyardEngine
import Testing

/// Every time the command line prints has one style, "2026-12-07 05:56:30 UTC", in the host's
/// zone (`TZ`, as the dashboard) with the zone shown.
struct TimeStyleTests {
    @Test func aTimeIsPrintedToTheSecondWithItsZone() {
        let date = Date(timeIntervalSince1970: 1_796_622_990.75)   // 2026-12-07 05:56:30.75 UTC
        #expect(ClockZone.utc.stamp(date) == "2026-12-07 05:56:30 UTC")
        #expect(ClockZone.fixed(secondsFromUTC: -5 * 3600).stamp(date) == "2026-12-07 00:56:30 -05:00")
        #expect(ClockZone.fixed(secondsFromUTC: 5 * 3600 + 1800).stamp(date) == "2026-12-07 11:26:30 +05:30")
        #expect(ClockZone.fixed(secondsFromUTC: -7 * 3600).stamp(date) == "2026-12-06 22:56:30 -07:00")
    }
}

/// Commands print "2026-12-07 05:56:30 UTC" or "... +05:30": never PostgreSQL's raw text or a bare `Z`.
@Suite(.database) struct TimeOutputTests {
    func environment(_ schema: CLISchema, zone: String) -> [String: String] {
        schema.environment.merging(["TZ": zone]) { $1 }
    }

    @Test func schedulesListPrintsTimesInTheHostZone() throws {
        let schema = try CLISchema()
        let payload = #"{"kind":"ENTRY","direction":"LONG","entry_price":1,"stop_loss":0.5,"session":"NY AM","bias":"Bullish"}"#
        let added = try CLI.run(["schedules", "add", "hourly", "--every", "1h", "--event-type", "ENTRY", "--payload", payload],
                                environment: environment(schema, zone: "UTC"))
        #expect(added.status == 0, "\(added.output)")
        #expect(matches(added.output, #"first run \d{4}-\d\d-\d\d \d\d:00:00 UTC\."#), "\(added.output)")

        let utc = try CLI.run(["schedules", "list"], environment: environment(schema, zone: "UTC"))
        #expect(utc.status == 0, "\(utc.output)")
        let row = try #require(utc.output.split(separator: "\n").first { $0.hasPrefix("hourly") }, "\(utc.output)")
        #expect(matches(row, #" \d{4}-\d\d-\d\d \d\d:00:00 UTC "#), "\(utc.output)")
        #expect(!utc.output.contains("+00") && !matches(utc.output, #"\dT\d"#), "\(utc.output)")

        // The audit trail's stored detail names its time in the same style (in UTC: others read it in other zones).
        let shown = try CLI.run(["schedules", "show", "hourly"], environment: environment(schema, zone: "<+0530>-5:30"))
        #expect(matches(shown.output, #"\+05:30 ADD +by .*first run \d{4}-\d\d-\d\d \d\d:00:00 UTC\."#), "\(shown.output)")
        #expect(!shown.output.contains(".000000"), "\(shown.output)")

        // A POSIX zone (5 h 30 min east) needs no tz database: whole hours land on :30.
        let india = try CLI.run(["schedules", "list"], environment: environment(schema, zone: "<+0530>-5:30"))
        #expect(matches(india.output, #"hourly .* \d{4}-\d\d-\d\d \d\d:30:00 \+05:30 "#), "\(india.output)")
    }

    @Test func migrateStatusAndStatsUseTheSameStyle() throws {
        let schema = try CLISchema()
        let status = try CLI.run(["migrate", "status"], environment: environment(schema, zone: "<-05>5"))
        #expect(status.status == 0, "\(status.output)")
        let applied = status.output.split(separator: "\n").dropFirst()
        #expect(!applied.isEmpty && applied.allSatisfy { matches($0, #"\d\d:\d\d:\d\d -05:00 by "#) }, "\(status.output)")

        let stats = try CLI.run(["stats"], environment: environment(schema, zone: "<-05>5"))
        #expect(stats.status == 0, "\(stats.output)")
        #expect(matches(stats.output.prefix { $0 != "\n" }, #" at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d -05:00$"#), "\(stats.output)")
    }
}
