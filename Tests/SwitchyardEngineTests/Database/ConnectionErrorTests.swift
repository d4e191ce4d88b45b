import Foundation
import Testing
@testable import SwitchyardEngine

@Suite(.database) struct ConnectionErrorTests {
    @Test func badURLSaysWhatAURLLooksLike() throws {
        let error = try #require(throws: DatabaseError.self) {
            try ConnectionSettings.resolve(databaseURL: "localhost:5432/switchyard", environment: [:])
        }
        #expect(error.message.hasPrefix("The database URL is not valid"))
        #expect(error.detail?.contains("postgresql://USER:PASSWORD@HOST:PORT/DBNAME") == true)
    }

    @Test func refusedConnectionAsksWhetherTheServerRuns() throws {
        let error = try #require(throws: DatabaseError.self) {
            try PGConnection(settings: ConnectionSettings(conninfo: "postgresql://nobody@127.0.0.1:1/nothing"))
        }
        #expect(error.message == "Could not connect to Postgres at nobody@127.0.0.1:1/nothing (connection refused).")
        #expect(error.detail?.hasPrefix("Is the server running?") == true)
    }

    @Test func wrongPasswordNamesThePlacesToFixIt() throws {
        let parts = TestDatabase.urlParameters()
        let url = "postgresql://switchyard:wrong-password@127.0.0.1:\(parts["port"] ?? "5432")/switchyard"
        let error = try #require(throws: DatabaseError.self) { try PGConnection(settings: ConnectionSettings(conninfo: url)) }
        #expect(error.sqlState == .invalidPassword)
        #expect(error.message.contains("refused the password"))
        #expect(!error.description.contains("wrong-password"))
        #expect(error.detail?.contains("PGPASSWORD or ~/.pgpass") == true)
    }

    @Test func missingDatabaseSaysHowToCreateIt() throws {
        let parts = TestDatabase.urlParameters()
        let url = "postgresql://switchyard@/no_such_db?host=\(parts["host"] ?? "")&port=\(parts["port"] ?? "")"
        let error = try #require(throws: DatabaseError.self) { try PGConnection(settings: ConnectionSettings(conninfo: url)) }
        #expect(error.sqlState == .invalidCatalogName)
        #expect(error.message.contains("The database no_such_db does not exist"))
        #expect(error.detail?.contains("createdb no_such_db") == true)
    }

    @Test func missingTableSaysToMigrate() throws {
        let connection = try TestDatabase.makeSchema().connect()
        let error = try #require(throws: DatabaseError.self) {
            try connection.execute(Query("SELECT count(*) FROM execution_tasks", parameters: [], name: "countTasks"))
        }
        #expect(error.sqlState == .undefinedTable)
        #expect(error.queryName == "countTasks")
        #expect(error.hint?.contains("switchyard migrate up") == true)
    }

    @Test func cliPrintsTheErrorAndExitsNonZero() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/nothing"
        let output = try Executable.run(["migrate", "status"], environment: environment)
        #expect(output.status != 0)
        #expect(output.stderr.contains("Could not connect to Postgres at nobody@127.0.0.1:1/nothing (connection refused)."))
    }
}
