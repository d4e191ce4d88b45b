import Foundation
import SwitchyardBroker
import Testing
@testable import SwitchyardEngine

/// What each broker answer does to a live task, through the router's own steps (claim, route,
/// write back) against the simulator: a conflict fails at once, Retry-After sets the next
/// attempt's time, a rejection fails at once, an accepted order succeeds; keys carry the
/// database's id.
@Suite(.database) struct LiveOutcomeTests {
    /// One pass of the router's steps for router `routerID` with the live `accounts`.
    func routeOnce(_ connection: PGConnection, _ accounts: [Account], routerID: String = "r",
                   lease: Duration = .seconds(10)) throws -> CompletionReport {
        var config = TaskClaimer.Config()
        config.lease = lease
        var claimer = TaskClaimer(routerID: routerID, config: config, metrics: RouterMetrics())
        let claimed = try claimer.runOnce(on: connection)
        let routing = TaskRouting(accounts: try AccountSet(accounts: accounts), connector: DryRunConnector(),
                                  liveConnector: try testConnector(accounts), databaseID: try DatabaseIdentity.read(on: connection))
        let completer = TaskCompleter(routerID: routerID, retryPolicy: RetryPolicy(base: .zero, cap: .zero, jitter: 0))
        return try completer.runOnce(claimed.map(routing.route), of: claimed, on: connection)
    }

    func enqueueEntry(_ connection: PGConnection, trade: String = "T") throws -> TaskID {
        try TaskQueue(connection: connection).enqueue(try NewTask(tradeID: trade, eventType: .entry, payloadJSON: TaskQueueTests.entryJSON))
    }

    func task(_ id: TaskID, _ connection: PGConnection) throws -> (status: String, attempts: Int, error: String?) {
        let row = try connection.execute("SELECT status, attempts, last_error FROM execution_tasks WHERE id = \(id)").first!
        return (try row.decode("status"), try row.decode("attempts"), try row.decodeIfPresent("last_error"))
    }

    @Test func anAcceptedOrderSucceedsUnderTheDatabasesKey() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let broker = try startedSimulator()
        defer { broker.stop() }
        let id = try enqueueEntry(connection)
        #expect(try routeOnce(connection, [liveAccount("apex-1", simulator: broker)]).succeeded == [id])
        let databaseID = try DatabaseIdentity.read(on: connection)
        #expect(broker.ledger.map(\.key) == ["\(databaseID):\(id.rawValue):apex-1"])
        let row = try connection.execute("SELECT status, response_code, response_body, contracts FROM execution_logs WHERE task_id = \(id) AND event = 'ATTEMPT'").first!
        #expect(try row.decode("status", as: String.self) == "SUCCESS" && row.decodeIfPresent("contracts", as: Int.self) == 2)
        #expect(try row.decode("response_body", as: String.self).hasPrefix("broker order SIM-1 filled 2 at 4156.25"))
    }

    @Test func aConflictFailsTheTaskAtOnceNamingTheKey() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let broker = try startedSimulator()
        defer { broker.stop() }
        let id = try enqueueEntry(connection)
        // Another order already holds the key at the broker.
        let key = "\(try DatabaseIdentity.read(on: connection)):\(id.rawValue):apex-1"
        var other = entryOrder(task: id.rawValue, account: "apex-1", contracts: 1)
        other.databaseID = try DatabaseIdentity.read(on: connection)
        _ = try testConnector([liveAccount("apex-1", simulator: broker)]).send(other)
        let report = try routeOnce(connection, [liveAccount("apex-1", simulator: broker)])
        #expect(report.failed == [id] && report.retrying.isEmpty)
        let (status, attempts, error) = try task(id, connection)
        #expect(status == "FAILED" && attempts == 1)
        #expect(error?.contains("key \(key)") == true && error?.contains("An operator must look") == true)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE task_id = \(id) AND response_code = 409") == 1)
        #expect(broker.ledger.count == 1 && broker.ledger[0].order.quantity == 1)
    }

    @Test func retryAfterSetsTheNextAttemptsTime() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let broker = try startedSimulator(BrokerFaults(throttleNext: 1, retryAfter: 30))
        defer { broker.stop() }
        let id = try enqueueEntry(connection)
        #expect(try routeOnce(connection, [liveAccount("apex-1", simulator: broker)]).retrying == [id])
        let wait = try connection.execute("SELECT extract(epoch FROM available_at - now())::float8 AS s FROM execution_tasks WHERE id = \(id)")
            .first!.decode("s", as: Double.self)
        #expect(wait > 25 && wait <= 30, "waits \(wait) s")
        #expect(broker.ledger.isEmpty)
    }

    @Test func aRejectionFailsAtOnceWithTheBrokersReason() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let broker = try startedSimulator(BrokerFaults(rejectAccounts: ["apex-2"]))
        defer { broker.stop() }
        let id = try enqueueEntry(connection)
        let accounts = [liveAccount("apex-1", simulator: broker), liveAccount("apex-2", simulator: broker)]
        #expect(try routeOnce(connection, accounts).failed == [id])
        let (status, attempts, error) = try task(id, connection)
        #expect(status == "FAILED" && attempts == 1 && error?.contains("account apex-2 is not allowed to trade") == true)
        // apex-1 took its order; it stays recorded as accepted.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE task_id = \(id) AND account = 'apex-1' AND status = 'SUCCESS'") == 1)
    }

    @Test func aRouterWithALiveConnectorNeedsTheDatabasesID() throws {
        let schema = try TestDatabase.makeSchema()
        let broker = BrokerSimulator(token: testBrokerToken)
        var configuration = ExecutionRouter.Configuration()
        configuration.liveConnector = try testConnector([liveAccount("apex-1", simulator: broker)])
        do {
            _ = try ExecutionRouter(settings: schema.settings(), configuration: configuration)
            Issue.record("a router started live on a database without an id")
        } catch let error as ConfigurationError {
            #expect(error.remedy == .migrate)
        }
    }
}
