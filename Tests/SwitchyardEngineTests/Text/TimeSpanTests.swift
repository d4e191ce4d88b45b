import SwitchyardEngine
import Testing

/// The one duration syntax of every option (`--refresh`, `--lease`, `--every`, `--in`, ...) and
/// the one formatter of durations and ages.
@Suite struct TimeSpanTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)),
        ("90s", .seconds(90)),
        ("15m", .seconds(900)),
        ("2h", .seconds(7200)),
        ("1h30m", .seconds(5400)),
        ("400d", .seconds(400 * 86_400)),
        ("1d2h3m4s5ms", .milliseconds(93_784_005)),
        ("1.5s", .milliseconds(1500)),
        ("0.5h", .seconds(1800)),
        ("90", .seconds(90)),            // a number alone is seconds, as --refresh and --lease took before
        ("0.25", .milliseconds(250)),
        ("0", .zero),
        ("0s", .zero),
        ("  2M ", .seconds(120)),        // spaces around and upper case are forgiven
        ("0.001s", .milliseconds(1)),
        ("1.5ms", .milliseconds(2)),     // rounded to the millisecond
        ("0.4ms", .zero),
        ("999999999d", .seconds(999_999_999 * 86_400)),
    ])
    func accepts(text: String, expected: Duration) throws {
        #expect(try TimeSpan(parsing: text).duration == expected)
    }

    @Test(arguments: [
        "", " ", "s", "ms", "5x", "5 s", "1h 30m", "-5s", "+5", "-0", "1h30", "30m1h", "1m1m", "1s1m",
        ".5s", "5.s", "1.2.3s", "1e3", "inf", "nan", "5sec", "1mm", "1.2345s", "0.0004s", "1000000000s",
        "99999999999999999999", "999999999d999999999d",
    ])
    func refuses(text: String) {
        #expect(throws: TimeSpanError.self) { try TimeSpan(parsing: text) }
    }

    @Test func theRefusalSaysWhichFormsAreAccepted() {
        let error = #expect(throws: TimeSpanError.self) { try TimeSpan(parsing: "5x") }
        #expect(error?.message == #""5x" is not a duration: write a number and a unit, ms, s, m, h or d "#
                + "(250ms, 90s, 15m, 2h, 1h30m, 400d); a number alone is seconds.")
    }

    @Test(arguments: [
        // duration, exact, brief, column
        (Duration.zero, "0s", "0s", "0s"),
        (.milliseconds(250), "250ms", "250ms", "0s"),
        (.milliseconds(1500), "1.5s", "1.5s", "1s"),
        (.milliseconds(1234), "1.234s", "1.2s", "1s"),
        (.milliseconds(1050), "1.05s", "1.1s", "1s"),
        (.milliseconds(1040), "1.04s", "1s", "1s"),
        (.milliseconds(59_960), "59.96s", "59.9s", "59s"),
        (.seconds(45), "45s", "45s", "45s"),
        (.seconds(90), "1m30s", "1m30s", "1m"),
        (.milliseconds(90_500), "1m30.5s", "1m30s", "1m"),
        (.milliseconds(3_600_500), "1h0.5s", "1h", "1h"),
        (.seconds(5400), "1h30m", "1h30m", "1h"),
        (.seconds(7505), "2h5m5s", "2h5m", "2h"),
        (.seconds(3 * 86_400 + 4 * 3600 + 5), "3d4h5s", "3d4h", "3d"),
        (.seconds(400 * 86_400), "400d", "400d", "400d"),
        (.seconds(-5), "0s", "0s", "0s"),
    ])
    func formats(duration: Duration, exact: String, brief: String, column: String) {
        #expect(TimeSpan.format(duration, .exact) == exact)
        #expect(TimeSpan.format(duration, .brief) == brief)
        #expect(TimeSpan.format(duration, .column) == column)
    }

    @Test func exactTextReadsBackAsTheSameSpan() throws {
        for milliseconds in [1, 999, 1000, 1001, 59_999, 60_000, 90_500, 3_600_001, 86_400_000 * 400 + 7] {
            let duration = Duration.milliseconds(milliseconds)
            #expect(try TimeSpan(parsing: TimeSpan.format(duration)).duration == duration)
        }
    }

    @Test func agesInSecondsUseTheSameFormatter() {
        #expect(TimeSpan.format(seconds: 95.7) == "1m35s")
        #expect(TimeSpan.format(seconds: 42.9, .column) == "42s")
        #expect(TimeSpan.format(seconds: -3) == "0s")
        #expect(TimeSpan.format(seconds: .infinity) == "-")
    }
}
