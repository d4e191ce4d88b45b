import Foundation
import Testing
@testable import SwitchyardEngine

/// `make bench-router`'s pgbench scripts are made from the router's own statements; run by
/// pgbench they must do what the router does, so the ceiling they measure is the real one.
@Suite(.database) struct RouterBenchmarkSQLTests {
    static let pgbench = ["/usr/lib/postgresql/15/bin/pgbench", "/usr/bin/pgbench"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    func runPGBench(_ script: String, transactions: Int, schema: TestSchema) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(schema.name).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.pgbench, "pgbench is not installed"))
        process.arguments = ["-n", "-M", "extended", "-c", "1", "-t", "\(transactions)", "-f", file.path, schema.conninfo]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func theEngineScriptClaimsAndCompletesLikeTheRouter() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 100))
        let script = try RouterBenchmarkSQL.engineScript(batch: 100, accounts: 2)
        // Three batches: the ENTRYs, then the EXITs their completion freed, then nothing left.
        let run = try runPGBench(script, transactions: 3, schema: schema)
        #expect(run.status == 0, "\(run.output)")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS' AND attempts = 1") == 200)
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_logs
            WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND router_id = 'pgbench-0' AND account LIKE 'account-%'
            """) == 400)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE locked_by IS NOT NULL") == 0)
    }

    @Test func theMinimalScriptFinishesABatchInOneStatement() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 50))
        let run = try runPGBench(RouterBenchmarkSQL.minimalScript(batch: 60), transactions: 2, schema: schema)
        #expect(run.status == 0, "\(run.output)")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") == 100)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT'") == 100)
    }

    @Test func aCompletionParameterTheBenchmarkDoesNotKnowIsAnError() throws {
        let query: Query = "SELECT \(42), \("mystery")"
        #expect(throws: ConfigurationError.self) {
            try RouterBenchmarkSQL.substitute(query) { $0 == "42" ? "42" : nil }
        }
        #expect(try RouterBenchmarkSQL.substitute(query) { $0 == "42" ? ":answer" : "'x'" } == "SELECT :answer, 'x'")
    }
}
