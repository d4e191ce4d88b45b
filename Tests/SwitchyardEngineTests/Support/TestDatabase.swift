import Foundation
import Testing
@testable import SwitchyardEngine

/// The test server `make test` starts. Each test gets a schema of its own, so tests run in
/// parallel without seeing each other's rows.
enum TestDatabase {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["SWITCHYARD_TEST_DATABASE_URL"] ?? environment["DATABASE_URL"]
    /// Set by `make test`: there a database test fails when the server is unreachable.
    static let required = environment["SWITCHYARD_TEST_REQUIRE_DATABASE"] == "1"
    static let available = url != nil || required

    /// A new, empty schema and settings whose search_path points at it.
    static func makeSchema(function: String = #function) throws -> TestSchema {
        guard let url else {
            throw DatabaseError(message: "No test database: run `make test`, or set SWITCHYARD_TEST_DATABASE_URL.")
        }
        let name = "t_" + function.prefix(while: { $0 != "(" }).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30)
            + "_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let admin = try PGConnection(settings: ConnectionSettings(conninfo: url))
        try admin.execute(Query("CREATE SCHEMA \(name)", parameters: []))
        return TestSchema(name: name, baseURL: url)
    }

    /// A schema already migrated to the latest version.
    static func makeMigratedSchema(function: String = #function) throws -> TestSchema {
        let schema = try makeSchema(function: function)
        try Migrator().up(on: schema.connect(), actor: "test@host")
        return schema
    }

    /// The seed system's own DDL, as it runs it at web-server start-up (no IF NOT EXISTS).
    static let seedDDL = """
        CREATE TABLE execution_tasks (id SERIAL PRIMARY KEY, trade_id VARCHAR(100) NOT NULL,
          event_type VARCHAR(32) NOT NULL, status VARCHAR(32) NOT NULL DEFAULT 'PENDING',
          attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, payload JSONB,
          last_attempt_at TIMESTAMP, created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW());
        CREATE INDEX idx_execution_tasks_status_created ON execution_tasks (status, created_at);
        CREATE TABLE execution_logs (id SERIAL PRIMARY KEY,
          task_id INTEGER NOT NULL REFERENCES execution_tasks(id) ON DELETE CASCADE,
          status VARCHAR(32) NOT NULL, response_code INTEGER, response_body TEXT, created_at TIMESTAMP DEFAULT NOW());
        CREATE INDEX idx_execution_logs_task_id ON execution_logs (task_id);
        """

    /// The URL's parts, for tests that connect by PG* variables or over TCP.
    static func urlParameters() -> [String: String] {
        guard let url, let components = URLComponents(string: url) else { return [:] }
        var result: [String: String] = [:]
        for item in components.queryItems ?? [] { result[item.name] = item.value }
        if let user = components.user { result["user"] = user }
        result["dbname"] = String(components.path.dropFirst())
        return result
    }
}

/// One test's schema on the test server.
struct TestSchema: Sendable {
    let name: String
    let baseURL: String

    /// The connection string with `search_path` set to this schema.
    var conninfo: String {
        let separator = baseURL.contains("?") ? "&" : "?"
        return baseURL + separator + "options=-c%20search_path%3D" + name
    }

    /// What a child process needs to work in this schema.
    var processEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = conninfo
        return environment
    }

    func settings(readOnly: Bool = false) -> ConnectionSettings {
        ConnectionSettings(conninfo: conninfo, readOnly: readOnly, applicationName: "switchyard-test")
    }

    func connect(readOnly: Bool = false) throws -> PGConnection {
        try PGConnection(settings: settings(readOnly: readOnly))
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test against the real server; without one (a bare `swift test`) it is skipped
    /// with a note, but under `make test` it runs and fails when the server is unreachable.
    static var database: Self {
        .enabled(if: TestDatabase.available, "needs PostgreSQL: run `make test`")
    }
}

extension PGConnection {
    /// The `n` column of a `SELECT count(*) AS n ...`, for test assertions.
    func count(_ query: Query) throws -> Int {
        try execute(query).first!.decode("n")
    }

    /// Polls the count `query` until it is above zero or `timeout` passes (the caller checks
    /// what it needs afterwards): "the embedded router is busy", say.
    func waitForAny(_ query: Query, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try count(query) == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }
}
