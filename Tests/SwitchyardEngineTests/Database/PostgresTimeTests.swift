import Foundation
import Testing
@testable import SwitchyardEngine

struct PostgresTimeTests {
    @Test(arguments: [
        ("2026-11-22 20:56:24+00", 1_795_380_984.0),
        ("2026-11-22 20:56:24.5+00", 1_795_380_984.5),
        ("2026-11-22 21:56:24.000001+01", 1_795_380_984.000001),
        ("2026-11-22 15:26:24-05:30", 1_795_380_984.0),
        ("1970-01-01 00:00:00", 0.0),
        ("2000-02-29 12:00:00+00", 951_825_600.0),
    ])
    func parsesPostgresText(text: String, epoch: Double) throws {
        let date = try #require(PostgresTime.parse(text))
        #expect(abs(date.timeIntervalSince1970 - epoch) < 0.000_001)
    }

    @Test func formatThenParseRoundTrips() throws {
        for epoch in [0.0, 1_795_380_984.123456, 951_825_600.5, -86_400.25] {
            let date = Date(timeIntervalSince1970: epoch)
            let parsed = try #require(PostgresTime.parse(PostgresTime.format(date)))
            #expect(abs(parsed.timeIntervalSince1970 - epoch) < 0.000_001)
        }
        #expect(PostgresTime.format(Date(timeIntervalSince1970: 1_795_380_984.5)) == "2026-11-22 20:56:24.500000+00")
    }

    @Test func rejectsGarbage() {
        #expect(PostgresTime.parse("yesterday") == nil)
        #expect(PostgresTime.parse("2026-xx-22 20:56:24") == nil)
    }
}
