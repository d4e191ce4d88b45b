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
