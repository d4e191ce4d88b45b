import Foundation
import Testing
@testable import SwitchyardEngine

/// The cron parser and the wall-clock rules, without a database.
struct CronExpressionTests {
    static func utc(_ text: String) -> Date { PostgresTime.parse(text)! }
    static let newYork = try! ZonedClock(identifier: "America/New_York")

    @Test func fieldsAcceptNumbersRangesStepsListsStarsAndNames() throws {
        let cron = try CronExpression("*/15 9-17/4 1,15 JAN-MAR mon-fri")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == [9, 13, 17])
        #expect(cron.daysOfMonth == [1, 15])
        #expect(cron.months == [1, 2, 3])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression("5/20 * * * *").minutes == [5, 25, 45])
    }

    @Test(arguments: [
        ("* * * *", "has 4 field(s); it needs 5"),
        ("60 * * * *", "the minute field \"60\" has 60, outside 0-59."),
        ("0 24 * * *", "the hour field \"24\" has 24, outside 0-23."),
        ("0 0 0 * *", "the day of month field \"0\" has 0, outside 1-31."),
        ("0 0 * FOO *", "the month field \"FOO\" has \"FOO\", which is not a number or names such as JAN, FEB."),
        ("*/0 * * * *", "has the step \"0\"; a step is a whole number, 1 or more."),
        ("5-1 * * * *", "has the range 5-1, which runs backwards."),
        ("1,,2 * * * *", "has an empty item in its list."),
        ("0 0 30 2 *", "never runs: no month given has those days."),
    ])
    func badExpressionsSayWhichFieldAndWhy(text: String, message: String) {
        #expect {
            try CronExpression(text)
        } throws: { error in
            (error as? ScheduleError)?.message.contains(message) ?? false
        }
    }

    @Test func dayOfMonthAndDayOfWeekBothRestrictedMeansEither() throws {
        // 2026-12-01 is a Tuesday: the 1st matches by day of month, Friday the 4th by day of week.
        let cron = try CronExpression("0 12 1 * FRI")
        let clock = try ZonedClock(identifier: "UTC")
        let first = cron.nextRun(after: Self.utc("2026-11-30 13:00:00+00"), clock: clock)
        #expect(first == Self.utc("2026-12-01 12:00:00+00"))
        #expect(cron.nextRun(after: first!, clock: clock) == Self.utc("2026-12-04 12:00:00+00"))
    }

    @Test func aSkippedWallClockTimeRunsOnceAtTheEndOfTheGap() throws {
        // 2027-03-14: New York's clocks go from 02:00 EST to 03:00 EDT (07:00 UTC).
        let cron = try CronExpression("30 2 * * *")
        let run = cron.nextRun(after: Self.utc("2027-03-14 05:00:00+00"), clock: Self.newYork)
        #expect(run == Self.utc("2027-03-14 07:00:00+00"))
        // And the next is the next day's 02:30 EDT, not a second run that night.
        #expect(cron.nextRun(after: run!, clock: Self.newYork) == Self.utc("2027-03-15 06:30:00+00"))
    }

    @Test func aRepeatedWallClockTimeRunsOnceAtItsFirstOccurrence() throws {
        // 2027-11-07: 01:00-02:00 happens twice in New York (EDT, then EST).
        let cron = try CronExpression("30 1 * * *")
        let run = cron.nextRun(after: Self.utc("2027-11-07 04:00:00+00"), clock: Self.newYork)
        #expect(run == Self.utc("2027-11-07 05:30:00+00"))  // 01:30 EDT
        #expect(cron.nextRun(after: run!, clock: Self.newYork) == Self.utc("2027-11-08 06:30:00+00"))  // the next day, EST
    }

    @Test func everyRunsAtWholeMultiplesOfItsPeriod() throws {
        let timing = try ScheduleTiming.every("15m")
        #expect(timing.nextRun(after: Self.utc("2026-11-30 10:07:12+00")) == Self.utc("2026-11-30 10:15:00+00"))
        #expect(timing.nextRun(after: Self.utc("2026-11-30 10:15:00+00")) == Self.utc("2026-11-30 10:30:00+00"))
    }

    @Test func periodsAndTimesAsOperatorsWriteThem() throws {
        #expect(try ScheduleTiming.every("1h30m") == .every(.seconds(5400)))
        #expect(try ScheduleTiming.every("90") == .every(.seconds(90)))
        for bad in ["", "m", "2x", "-5s", "0s", "500ms", "1.5s"] {
            #expect(throws: ScheduleError.self) { try ScheduleTiming.every(bad) }
        }
        let now = Self.utc("2026-11-30 12:00:00+00")
        #expect(try TimeText.parse("15:55", clock: Self.newYork, now: now) == Self.utc("2026-11-30 20:55:00+00"))
        #expect(try TimeText.parse("2026-12-01T09:30", clock: Self.newYork, now: now) == Self.utc("2026-12-01 14:30:00+00"))
        #expect(try TimeText.parse("2026-12-01T09:30:00Z", clock: Self.newYork, now: now) == Self.utc("2026-12-01 09:30:00+00"))
        #expect(try TimeText.parse("2026-12-01T09:30+01:00", clock: Self.newYork, now: now) == Self.utc("2026-12-01 08:30:00+00"))
        for bad in ["25:00", "9:30", "2026-02-30T10:00", "tomorrow"] {
            #expect(throws: ScheduleError.self) { try TimeText.parse(bad, clock: Self.newYork, now: now) }
        }
        #expect(NewSchedule.tradeID(name: "close", runAt: Self.utc("2026-11-30 20:55:00+00")) == "close-20261130T205500Z")
    }
}
