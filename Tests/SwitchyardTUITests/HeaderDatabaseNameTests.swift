import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// The header names the database and its host before any socket path, whatever room is left,
/// and never the password.
struct HeaderDatabaseNameTests {
    static let environment = ["USER": "ops"]

    func header(_ conninfo: String, alerts: Bool = false, columns: Int = 80) -> String {
        let names = ConnectionSettings(conninfo: conninfo).endpoint(environment: Self.environment).names
        var snapshot = Fixture.busySnapshot
        if alerts { snapshot.alerts = Fixture.alerts }
        var model = Fixture.loaded(snapshot, size: TerminalSize(columns: columns, rows: 24))
        model.settings.databaseNames = names
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: .unicode)
        return frame.line(0)
    }

    @Test func endpointNamesGoFromEverythingToTheDatabase() {
        let tcp = ConnectionSettings(conninfo: "postgresql://ops:s3cret@db.internal:6432/orders").endpoint(environment: Self.environment)
        #expect(tcp.names == ["ops@db.internal:6432/orders", "orders on db.internal"])
        let socket = ConnectionSettings(conninfo: "postgresql://switchyard@/switchyard?host=/work/main/.pgdata/run&port=48577")
            .endpoint(environment: Self.environment)
        #expect(socket.names == ["switchyard@/work/main/.pgdata/run port 48577/switchyard",
                                 "switchyard on /work/main/.pgdata/run", "switchyard"])
        let defaults = ConnectionSettings(conninfo: "").endpoint(environment: Self.environment)
        #expect(defaults.names == ["ops@local socket port 5432/ops", "ops"])
    }

    @Test func aNarrowHeaderKeepsTheDatabaseAndHost() {
        let url = "postgresql://ops:s3cret@db.internal:5432/switchyard"
        #expect(header(url).hasPrefix(" ops@db.internal:5432/switchyard  "))
        // Two alerts firing leave 17 columns: the database, then as much of the host as fits.
        #expect(header(url, alerts: true).hasPrefix(" switchyard on db…  OPERATOR"), "\(header(url, alerts: true))")
        for columns in [80, 100, 120] { #expect(!header(url, alerts: true, columns: columns).contains("s3cret")) }
    }

    @Test func aSocketPathComesAfterTheDatabaseAndOnlyWhenThereIsRoom() {
        let url = "postgresql://switchyard@/switchyard?host=/work/main/.pgdata/run&port=48577"
        #expect(header(url, columns: 140).hasPrefix(" Switchyard  switchyard@/work/main/.pgdata/run port 48577/switchyard  "))
        #expect(header(url, columns: 100).hasPrefix(" switchyard on /work/main/.pgdata/run  "), "\(header(url, columns: 100))")
        #expect(header(url).hasPrefix(" switchyard  "), "\(header(url))")
        #expect(header(url, alerts: true).hasPrefix(" switchyard  "))
    }
}
