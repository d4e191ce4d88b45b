import Foundation
import SwitchyardEngine
import SwitchyardTestSupport
import Testing

/// Runs the built `switchyard` as an operator or a script would.
enum CLI {
    /// This process's environment without any database in it: what a command checks before it
    /// connects needs none, and a stray PG* variable must not make a test pass.
    static let noDatabase = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") && $0.key != "DATABASE_URL" }

    /// The exit status, and everything written to stdout and stderr (in the order written).
    static func run(_ arguments: [String], environment: [String: String] = noDatabase) throws -> (status: Int32, output: String) {
        try ChildProcess.run([SwitchyardBinary.path] + arguments, environment: environment)
    }
}

/// A schema of its own on the test server (`make test` starts it), migrated by `switchyard
/// migrate up`; commands reach it through DATABASE_URL.
struct CLISchema {
    static let url = ProcessInfo.processInfo.environment["SWITCHYARD_TEST_DATABASE_URL"]
    /// Without a server (a bare `swift test`) database tests are skipped; under `make test` they run.
    static let available = url != nil || ProcessInfo.processInfo.environment["SWITCHYARD_TEST_REQUIRE_DATABASE"] == "1"

    let environment: [String: String]

    /// `migrated: false` leaves the schema empty, as a database Switchyard never migrated.
    init(migrated: Bool = true) throws {
        let url = try #require(Self.url, "No test database: run `make test`, or set SWITCHYARD_TEST_DATABASE_URL.")
        let name = "cli_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try PGConnection(settings: ConnectionSettings(conninfo: url)).execute(Query("CREATE SCHEMA \(name)", parameters: []))
        environment = CLI.noDatabase.merging(
            ["DATABASE_URL": url + (url.contains("?") ? "&" : "?") + "options=-c%20search_path%3D" + name]) { $1 }
        guard migrated else { return }
        let migration = try CLI.run(["migrate", "up"], environment: environment)
        try #require(migration.status == 0, "\(migration.output)")
    }

    /// Enqueues one ENTRY through `switchyard enqueue` and returns its id.
    func enqueueEntry(trade: String) throws -> Int {
        let payload = #"{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM","bias":"Bullish"}"#
        let enqueued = try CLI.run(["enqueue", "--trade-id", trade, "--event-type", "ENTRY", "--payload", payload],
                                   environment: environment)
        try #require(enqueued.status == 0, "\(enqueued.output)")
        // "Enqueued task 12."
        return try #require(Int(enqueued.output.filter(\.isNumber)), "\(enqueued.output)")
    }
}

extension Trait where Self == ConditionTrait {
    static var database: Self { .enabled(if: CLISchema.available, "needs PostgreSQL: run `make test`") }
}

/// True when TEXT contains a match of the regular expression PATTERN.
func matches(_ text: some StringProtocol, _ pattern: String) -> Bool {
    guard let regex = try? Regex(pattern) else { Issue.record("bad pattern \(pattern)"); return false }
    return String(text).contains(regex)
}
