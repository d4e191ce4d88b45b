import Foundation
import Testing
@testable import SwitchyardEngine

/// The demo's trades stay open for a while and some ENTRYs are tried once, so a broker refusal
/// leaves a FAILED ENTRY whose EXIT has not run, and an operator's retry of it succeeds.
@Suite(.database) struct DemoTrafficTests {
    static let demo = DemoTraffic(settings: ConnectionSettings())

    @Test func theDemoShapeHoldsExitsBackAndTriesSomeEntriesOnce() {
        let tasks = Self.demo.trades(count: 20)
        let entries = tasks.filter { $0.eventType == .entry }
        let exits = tasks.filter { $0.eventType == .exit }
        #expect(entries.count == 20 && exits.count == 20)
        #expect(exits.allSatisfy { $0.start == .after(.seconds(90)) })
        // One in four tried once, one in twenty malformed (stop equal to entry), spread evenly.
        #expect(entries.enumerated().filter { $0.element.maxAttempts == 1 }.map(\.offset) == [0, 4, 8, 12, 16])
        #expect(entries.enumerated().filter { (try? TaskPayload.parse($0.element.payload, eventType: .entry)) == nil }
            .map(\.offset) == [19])
        // Benchmarks and tests keep the plain shape: EXITs at once, the column's attempts.
        let plain = DemoTraffic.trades(count: 4)
        #expect(plain.allSatisfy { $0.start == nil && $0.maxAttempts == nil })
    }

    /// One router pass: claim everything claimable, route it with `connector`, write it back.
    func routerPass(_ connector: DryRunConnector, on connection: PGConnection) throws {
        var claimer = TaskClaimer(routerID: "demo-test", config: TaskClaimer.Config())
        let routing = TaskRouting(accounts: .demo, connector: connector)
        // A long backoff keeps the automatically retried ENTRYs out of the second pass.
        let completer = TaskCompleter(routerID: "demo-test", retryPolicy: RetryPolicy(base: .seconds(600), cap: .seconds(600), jitter: 0))
        while case let claimed = try claimer.runOnce(on: connection), !claimed.isEmpty {
            _ = try completer.runOnce(claimed.map(routing.route), of: claimed, on: connection)
        }
    }

    func tasks(_ condition: String, on connection: PGConnection) throws -> [TaskID] {
        try connection.execute("SELECT id FROM execution_tasks WHERE \(unescaped: condition) ORDER BY id").rows
            .map { try $0.decode("id") }
    }

    @Test func aRefusedDemoEntryIsRetriedByTheOperatorAndSucceeds() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        try TaskQueue(connection: connection).enqueue(Self.demo.trades(count: 20))

        // The dry-run broker refuses every order: the tried-once ENTRYs fail, the malformed one fails
        // for good, the others wait to retry; no EXIT has run, as their trades are still open.
        try routerPass(DryRunConnector(failureRate: 1, seed: 7), on: connection)
        let refused = try tasks("status = 'FAILED' AND last_error LIKE '%simulated rejection%'", on: connection)
        let malformed = try tasks("status = 'FAILED' AND last_error LIKE 'Payload rejected%'", on: connection)
        #expect(refused.count == 5 && malformed.count == 1)
        #expect(try tasks("event_type = 'EXIT' AND (attempts > 0 OR status <> 'PENDING' OR available_at <= now())",
                          on: connection).isEmpty)

        // The operator retries every FAILED ENTRY; none is refused, since no EXIT ran.
        let report = try TaskActions(connection: connection).perform(.retry(refused + malformed), actor: "ops@demo")
        #expect(report.changed == refused + malformed && report.skipped.isEmpty)

        // The broker accepts now: each refused ENTRY succeeds on its second attempt, for every
        // account that takes it; the malformed one fails again with the same clear reason.
        try routerPass(DryRunConnector(failureRate: 0, seed: 7), on: connection)
        #expect(try tasks("status = 'SUCCESS' AND attempts = 2", on: connection) == refused)
        #expect(try tasks("status = 'FAILED' AND last_error LIKE 'Payload rejected%'", on: connection) == malformed)
        let accepted = try connection.execute("""
            SELECT count(DISTINCT task_id) AS n FROM execution_logs
            WHERE task_id = ANY(\(refused)::int[]) AND status = 'SUCCESS' AND response_code = 200
            """).first!.decode("n", as: Int.self)
        #expect(accepted == refused.count)
    }
}
