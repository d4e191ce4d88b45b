import Foundation
import Testing
@testable import SwitchyardEngine

@Suite(.database) struct PGConnectionTests {
    @Test func connectsByURLAndReadsTypedRows() throws {
        let connection = try TestDatabase.makeSchema().connect()
        let row = try #require(try connection.execute("""
            SELECT 42 AS answer, 'switchyard'::text AS name, true AS flag, NULL::int AS nothing,
                   2.5::float8 AS ratio, '2026-11-22 20:56:24.5+00'::timestamptz AS at
            """).first)
        #expect(try row.decode("answer", as: Int.self) == 42)
        #expect(try row.decode("name", as: String.self) == "switchyard")
        #expect(try row.decode("flag", as: Bool.self))
        #expect(try row.decodeIfPresent("nothing", as: Int.self) == nil)
        #expect(try row.decode("ratio", as: Double.self) == 2.5)
        #expect(try row.decode("at", as: Date.self) == Date(timeIntervalSince1970: 1_795_380_984.5))
        #expect(throws: DatabaseError.self) { try row.decode("nothing", as: Int.self) }
        #expect(throws: DatabaseError.self) { try row.decode("name", as: Int.self) }
        #expect(throws: DatabaseError.self) { try row.decode("missing", as: Int.self) }
    }

    @Test func connectsByPGVariablesWithoutAURL() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let parts = TestDatabase.urlParameters()
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil
        environment["PGHOST"] = parts["host"]
        environment["PGPORT"] = parts["port"]
        environment["PGUSER"] = parts["user"]
        environment["PGDATABASE"] = parts["dbname"]
        environment["PGOPTIONS"] = "-c search_path=\(schema.name)"
        let output = try Executable.run(["migrate", "status"], environment: environment)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("adopt_seed_tables"))
        #expect(!output.stdout.contains("pending"))
    }

    /// A parameter value with a short name, so a 1 MiB string does not flood the test log.
    struct HostileText: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        HostileText(name: "quote and semicolon", text: "it's; DROP TABLE execution_tasks; --"),
        HostileText(name: "quotes, backslash, dollars", text: "\"double\" and \\ backslash and $1 and $$ dollars"),
        HostileText(name: "non-ASCII", text: "non-ASCII: Zürich, 東京, emoji 🚂, right-to-left עברית"),
        HostileText(name: "1 MiB", text: String(repeating: "x", count: 1_048_576)),
        HostileText(name: "empty", text: ""),
    ])
    func hostileTextRoundTripsUnchanged(hostile: HostileText) throws {
        let text = hostile.text
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let inserted = try connection.execute("""
            INSERT INTO execution_tasks (trade_id, event_type, last_error) VALUES ('t-1', 'ENTRY', \(text))
            RETURNING id
            """).first!.decode("id", as: Int.self)
        let stored = try connection.execute("SELECT last_error FROM execution_tasks WHERE id = \(inserted)")
            .first!.decode("last_error", as: String.self)
        #expect(stored == text)
        #expect(try connection.execute("SELECT count(*) AS n FROM execution_tasks").first!.decode("n", as: Int.self) == 1)
    }

    @Test func nulInAParameterIsRejectedCleanly() throws {
        let connection = try TestDatabase.makeSchema().connect()
        let error = try #require(throws: DatabaseError.self) {
            try connection.execute("SELECT \("before\u{0}after") AS value")
        }
        #expect(error.message.contains("NUL"))
        // The connection is still usable afterwards.
        #expect(try connection.execute("SELECT 1 AS one").first!.decode("one", as: Int.self) == 1)
    }

    @Test func transactionRollsBackWhenTheBodyThrows() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction { connection in
                try connection.execute("INSERT INTO execution_tasks (trade_id, event_type) VALUES ('t', 'ENTRY')")
                throw Abort()
            }
        }
        #expect(try connection.execute("SELECT count(*) AS n FROM execution_tasks").first!.decode("n", as: Int.self) == 0)
    }

    @Test func readOnlySessionRefusesWrites() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let observer = try schema.connect(readOnly: true)
        let error = try #require(throws: DatabaseError.self) {
            try observer.execute("INSERT INTO execution_tasks (trade_id, event_type) VALUES ('t', 'ENTRY')")
        }
        #expect(error.sqlState == .readOnlyTransaction)
        #expect(error.hint?.contains("observer") == true)
    }

    @Test func clientReconnectsAfterTheServerDropsTheSession() async throws {
        let schema = try TestDatabase.makeSchema()
        let client = try await DatabaseClient.connect(schema.settings())
        let pid = try await client.withConnection { $0.backendPID }
        let admin = try schema.connect()
        try admin.execute("SELECT pg_terminate_backend(\(pid))")
        await #expect(throws: DatabaseError.self) {
            try await client.withConnection { try $0.execute("SELECT 1") }
        }
        // The next call reconnects by itself (the first retry waits at most 100 ms).
        try await Task.sleep(for: .milliseconds(150))
        let newPID = try await client.withConnection { $0.backendPID }
        #expect(newPID != pid && newPID != 0)
    }
}
