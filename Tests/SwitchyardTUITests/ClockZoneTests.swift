import Foundation
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// Clock times on screen, in the host's zone from the C library (not Foundation's TimeZone).
@Suite(.serialized) struct ClockZoneTests {
    @Test func localTimeFollowsTZWithDaylightSaving() {
        let previous = ProcessInfo.processInfo.environment["TZ"]
        setenv("TZ", "America/New_York", 1)
        tzset()
        defer {
            if let previous { setenv("TZ", previous, 1) } else { unsetenv("TZ") }
            tzset()
        }
        let winter = Date(timeIntervalSince1970: 1_795_403_529)   // 2026-11-23 03:12:09 UTC
        let summer = Date(timeIntervalSince1970: 1_783_000_000)   // 2026-07-02
        #expect(ClockZone.local.secondsFromUTC(at: winter) == -5 * 3600)
        #expect(ClockZone.local.secondsFromUTC(at: summer) == -4 * 3600)
        #expect(Format.clock(winter, .local) == "22:12:09")
    }

    @Test func fixedOffsetsAndFormats() {
        let date = Date(timeIntervalSince1970: 1_795_403_529)
        #expect(Format.clock(date, .utc) == "03:12:09")
        #expect(Format.clock(date, .fixed(secondsFromUTC: -4 * 3600)) == "23:12:09")
        #expect(Format.rate(1.4) == "1.4/s" && Format.rate(0.06) == "0.1/s" && Format.rate(250) == "250/s")
        #expect(Format.compactCount(48_210) == "48.2k" && Format.compactCount(12_345_678) == "12.3M")
        #expect(Format.age(59.9) == "59s" && Format.age(90) == "1m" && Format.age(-4) == "0s")
    }
}
