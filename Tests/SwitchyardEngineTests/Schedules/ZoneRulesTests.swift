import Foundation
import Testing
@testable import SwitchyardEngine

/// `ZoneRules` reads the tz database itself; Foundation's `TimeZone` (ICU, from the same
/// database) is the oracle: every zone installed, instants from 1900 to 2100, transitions
/// and the years after the files' last one (the POSIX rule of the footer) included.
struct ZoneRulesTests {
    static let zones = ["UTC", "America/New_York", "Europe/London", "Europe/Dublin", "Australia/Sydney", "Australia/Lord_Howe",
                        "America/Sao_Paulo", "America/Nuuk", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham",
                        "America/St_Johns", "Africa/Casablanca", "Pacific/Apia", "America/Santiago", "Asia/Tehran",
                        "Antarctica/Troll", "Europe/Moscow", "America/Asuncion", "Pacific/Auckland"]

    @Test(arguments: zones)
    func offsetsMatchFoundationsTimeZone(identifier: String) throws {
        let rules = try #require(ZoneRules(identifier: identifier))
        let zone = try #require(TimeZone(identifier: identifier))
        var mismatches: [String] = []
        // Every 6 hours and 17 minutes from 1900 to 2100: every transition's neighbourhood is passed.
        var seconds: Int64 = -2_208_988_800
        while seconds < 4_102_444_800 && mismatches.count < 5 {
            let expected = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let got = rules.secondsFromUTC(at: seconds)
            if got != expected { mismatches.append("\(Date(timeIntervalSince1970: TimeInterval(seconds))): \(got) != \(expected)") }
            seconds += 22_620
        }
        #expect(mismatches.isEmpty, "\(identifier): \(mismatches)")
    }

    @Test func namesThatAreNoZoneAreRefused() {
        for name in ["", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "America"] {
            #expect(ZoneRules(identifier: name) == nil, "\(name)")
        }
    }

    @Test func footerRules() {
        let newYork = PosixZoneRule("EST5EDT,M3.2.0,M11.1.0")
        #expect(newYork?.standard == -18_000 && newYork?.daylight == -14_400)
        #expect(newYork?.start == .init(day: .month(3, week: 2, weekday: 0), time: 7200))
        #expect(PosixZoneRule("<+0545>-5:45")?.standard == 20_700)
        #expect(PosixZoneRule("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1")?.start.time == -7200)
        #expect(PosixZoneRule("IST-1GMT0,M10.5.0,M3.5.0/1")?.daylight == 0)
        #expect(PosixZoneRule("EST5EDT,M3.2") == nil)
    }
}
