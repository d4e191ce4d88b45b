import Foundation
import Testing
import SwitchyardTestSupport
@testable import SwitchyardEngine

/// An observer on a real hot standby: a base backup of the test server (`pg_basebackup -R`),
/// started in recovery next to it. The snapshot reads there what it reads on the primary.
@Suite(.database) struct HotStandbyTests {
    @Test func theSnapshotReadsTheSameOnAHotStandby() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        try MonitorFixture.insert(into: schema.connect())
        let standby = try HotStandby.start(copying: schema)
        defer { standby.stop() }

        // Not --read-only: the standby itself refuses writes, with the read-only SQLSTATE.
        let observer = try TestSchema(name: schema.name, baseURL: standby.url).connect()
        #expect(try observer.execute("SELECT pg_is_in_recovery() AS recovering").first!.decode("recovering", as: Bool.self))
        let refused = try #require(throws: DatabaseError.self) {
            try observer.execute("UPDATE execution_tasks SET attempts = 0")
        }
        #expect(refused.sqlState == .readOnlyTransaction)

        let queries = MonitorFixture.queries
        #expect(try queries.detect(on: observer).hasAttemptMinutes)
        #expect(try queries.snapshot(on: observer, now: MonitorFixture.now) == MonitorFixture.expected)
        #expect(try queries.taskDetail(on: observer, id: TaskID(6))?.auditTrail == [3, 4].map(MonitorFixture.entry))
        #expect(try queries.snapshot(on: TestSchema(name: schema.name, baseURL: standby.url).connect(readOnly: true),
                                     now: MonitorFixture.now) == MonitorFixture.expected)
    }
}

/// A streaming standby of the test server in a temporary folder, reached by its unix socket.
struct HotStandby {
    let folder: String
    let url: String

    private static let bindir: String = {
        let candidates = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/local/bin", "/usr/bin"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/pg_basebackup") } ?? candidates[0]
    }()
    /// PostgreSQL refuses to run as root; then the server runs as `postgres`, as scripts/pg.sh does.
    private static let asRoot = getuid() == 0

    static func start(copying schema: TestSchema) throws -> HotStandby {
        try start(copying: TestDatabase.url!, connect: schema.connect())
    }

    /// A standby of the server at `url`; `primary` is a connection to it.
    static func start(copying url: String, connect primary: PGConnection) throws -> HotStandby {
        // A hot standby needs at least the primary's max_connections.
        let maxConnections: String = try primary.execute("SELECT current_setting('max_connections') AS n").first!.decode("n")
        let folder = "/tmp/switchyard-standby-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        if asRoot { try Self.runChecked(["chown", "postgres", folder]) }
        let data = folder + "/data"
        try runServerTool("pg_basebackup", ["-d", url, "-D", data, "-R", "-X", "stream", "-c", "fast"])
        try runServerTool("pg_ctl", ["-D", data, "-l", folder + "/server.log", "-w", "-t", "60", "-o",
                                     "-k \(folder) -p 5432 -c listen_addresses='' -c max_connections=\(maxConnections)",
                                     "start"])
        let parameters = TestDatabase.urlParameters()
        let standbyURL = "postgresql://\(parameters["user"] ?? "switchyard")@/\(parameters["dbname"] ?? "switchyard")"
            + "?host=\(folder)&port=5432"
        return HotStandby(folder: folder, url: standbyURL)
    }

    /// Ends recovery: the standby becomes a primary (a failover), and waits until it accepts writes.
    func promote() throws {
        try Self.runServerTool("pg_ctl", ["-D", folder + "/data", "-w", "-t", "60", "promote"])
    }

    func stop() {
        _ = try? Self.runServerTool("pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a server tool, as `postgres` when we are root. `ChildProcess` passes no descriptor
    /// above stderr on: `pg_ctl start` leaves a server running that would hold it open for good.
    private static func runServerTool(_ tool: String, _ arguments: [String]) throws {
        try runChecked((asRoot ? ["runuser", "-u", "postgres", "--"] : []) + [bindir + "/" + tool] + arguments)
    }

    private static func runChecked(_ command: [String]) throws {
        let (status, output) = try ChildProcess.run(command)
        guard status == 0 else { throw DatabaseError(message: "\(command.joined(separator: " ")) failed (exit \(status)): \(output)") }
    }
}
