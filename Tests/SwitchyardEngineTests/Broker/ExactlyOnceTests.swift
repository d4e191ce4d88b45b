import Foundation
import SwitchyardBroker
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// Exactly once at the broker: under each fault the simulator's ledger holds one order per task
/// and account, and the audit trail has a row for every attempt with the broker's answer.
@Suite(.database) struct ExactlyOnceTests {
    /// ENTRY tasks of `count` trades.
    func enqueueEntries(_ connection: PGConnection, count: Int) throws -> [TaskID] {
        try TaskQueue(connection: connection).enqueue((0..<count).map {
            try NewTask(tradeID: "T-\($0)", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 30)
        })
    }

    /// Runs an in-process router over `accounts` (all live) until the queue is idle.
    func drain(_ schema: TestSchema, _ accounts: [Account], timeout: Duration = .seconds(5)) async throws -> ExecutionRouter.Status {
        var configuration = ExecutionRouter.Configuration()
        configuration.accounts = try AccountSet(accounts: accounts)
        configuration.exitWhenIdle = true
        configuration.pollInterval = .milliseconds(100)
        configuration.retryPolicy = RetryPolicy(base: .milliseconds(10), cap: .milliseconds(10), jitter: 0)
        configuration.alerts = false
        configuration.liveConnector = try testConnector(accounts, timeout: timeout)
        return await runUntilIdle(try ExecutionRouter(settings: schema.settings(), configuration: configuration,
                                                      connector: DryRunConnector()))
    }

    /// One order per task and account in the ledger, each under the database's key for it.
    func expectOneOrderEach(_ broker: BrokerSimulator, _ ids: [TaskID], accounts: [String], _ connection: PGConnection) throws {
        let databaseID = try DatabaseIdentity.read(on: connection)
        let expected = ids.flatMap { id in accounts.map { "\(databaseID):\(id.rawValue):\($0)" } }
        #expect(broker.ledger.map(\.key).sorted() == expected.sorted())
        let unfinished = try connection.execute("SELECT id, status, attempts, last_error FROM execution_tasks WHERE status <> 'SUCCESS'").rows
            .map { "\(try $0.decode("id", as: Int.self)) \(try $0.decode("status", as: String.self)) after \(try $0.decode("attempts", as: Int.self)): "
                + ((try $0.decodeIfPresent("last_error", as: String.self)) ?? "") }
        #expect(unfinished.isEmpty, "\(unfinished)")
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account IS NOT NULL
            """) == expected.count)
    }

    @Test func answersLostAfterTheBrokerReadTheRequestAreReplayedNotReordered() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let ids = try enqueueEntries(connection, count: 6)
        // libcurl resends once by itself on a new connection: two drops are one lost answer.
        let broker = try startedSimulator(BrokerFaults(dropAfterRead: 6))
        defer { broker.stop() }
        _ = try await drain(schema, [liveAccount("apex-1", simulator: broker)])
        try expectOneOrderEach(broker, ids, accounts: ["apex-1"], connection)
        #expect(broker.ledger.contains { $0.requests > 1 })
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_logs WHERE status = 'FAILED' AND response_code IS NULL
              AND response_body LIKE 'No answer: the connection closed%the broker may have it%'
            """) >= 1)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE status = 'SUCCESS' AND response_body LIKE '%a replay of the order already taken%'") >= 1)
    }

    @Test func outagesAndTimeoutsResendTheSameKey() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let ids = try enqueueEntries(connection, count: 4)
        let broker = try startedSimulator(BrokerFaults(failNext: 5, delayMilliseconds: 8_000))
        defer { broker.stop() }
        // Every answer is slower than the connector waits, until each order is in the ledger:
        // watched from a thread of its own (a loaded suite can hold the cooperative pool for
        // tens of seconds, and the tasks would use up their attempts meanwhile).
        async let calm: Void = onOwnThread {
            let deadline = ContinuousClock.now + .seconds(120)
            while broker.ledger.count < ids.count * 2 && ContinuousClock.now < deadline { usleep(20_000) }
            broker.faults = BrokerFaults()
        }
        let accounts = [liveAccount("apex-1", simulator: broker), liveAccount("apex-2", simulator: broker)]
        // A deadline well above what a loaded machine adds (800 ms was not: under a load of 10 the
        // simulator had not read a request before it), well below the delay.
        _ = try await drain(schema, accounts, timeout: .seconds(2))
        try await calm
        try expectOneOrderEach(broker, ids, accounts: ["apex-1", "apex-2"], connection)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE status = 'FAILED' AND response_code = 503") == 5)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE status = 'FAILED' AND response_body LIKE 'No answer: no answer within 2s%'") >= ids.count * 2)
        #expect(broker.ledger.allSatisfy { $0.requests >= 2 })
    }

    @Test func twoRoutersRacingOnARescuedTaskMakeOneOrder() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let broker = try startedSimulator()
        defer { broker.stop() }
        let account = liveAccount("apex-1", simulator: broker)
        let ids = try enqueueEntries(connection, count: 1)
        let databaseID = try DatabaseIdentity.read(on: connection)
        func routing() throws -> TaskRouting {
            TaskRouting(accounts: try AccountSet(accounts: [account]), connector: DryRunConnector(),
                        liveConnector: try testConnector([account]), databaseID: databaseID)
        }
        // Router A claims with a short lease and sends, then stalls past its lease.
        var short = TaskClaimer.Config()
        short.lease = .milliseconds(200)
        var claimerA = TaskClaimer(routerID: "a", config: short, metrics: RouterMetrics())
        let claimedA = try claimerA.runOnce(on: connection)
        let outcomesA = try claimedA.map(routing().route)
        Thread.sleep(forTimeInterval: 0.4)
        #expect(try TaskQueue(connection: connection).rescueExpired(by: "b") == ids)
        // Router B takes it back, sends again (the same key: the same order) and writes back first.
        var claimerB = TaskClaimer(routerID: "b", config: TaskClaimer.Config(), metrics: RouterMetrics())
        let claimedB = try claimerB.runOnce(on: connection)
        let completer = { (id: String) in TaskCompleter(routerID: id, retryPolicy: RetryPolicy(base: .zero, cap: .zero, jitter: 0)) }
        #expect(try completer("b").runOnce(claimedB.map(routing().route), of: claimedB, on: connection).succeeded == ids)
        #expect(try completer("a").runOnce(outcomesA, of: claimedA, on: connection).lost == ids)
        try expectOneOrderEach(broker, ids, accounts: ["apex-1"], connection)
        #expect(broker.ledger.first?.requests == 2)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'RECOVERED'") == 1)
    }

    @Test func aLiveEntryNeverOpensAfterItsExit() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let broker = try startedSimulator(BrokerFaults(rejectAccounts: ["apex-1"]))
        defer { broker.stop() }
        let account = liveAccount("apex-1", simulator: broker)
        let queue = TaskQueue(connection: connection)
        let ids = try queue.enqueue([
            try NewTask(tradeID: "T", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 1),
            try NewTask(tradeID: "T", eventType: .exit, payloadJSON: TaskQueueTests.exitJSON),
        ])
        let databaseID = try DatabaseIdentity.read(on: connection)
        func routeOnce() throws -> CompletionReport {
            var claimer = TaskClaimer(routerID: "r", config: TaskClaimer.Config(), metrics: RouterMetrics())
            let claimed = try claimer.runOnce(on: connection)
            let routing = TaskRouting(accounts: try AccountSet(accounts: [account]), connector: DryRunConnector(),
                                      liveConnector: try testConnector([account]), databaseID: databaseID)
            return try TaskCompleter(routerID: "r").runOnce(claimed.map(routing.route), of: claimed, on: connection)
        }
        // The broker rejects the ENTRY (FAILED at once); its EXIT then runs with nothing to close.
        #expect(try routeOnce().failed == [ids[0]])
        #expect(try routeOnce().succeeded == [ids[1]])
        // Someone puts the ENTRY back by hand, and the broker would now take it.
        broker.faults = BrokerFaults()
        try connection.execute("UPDATE execution_tasks SET status = 'PENDING', attempts = 0, finished_at = NULL WHERE id = \(ids[0])")
        #expect(try routeOnce().refused == [ids[0]])
        #expect(broker.ledger.count == 1 && broker.ledger[0].status == .rejected)
        #expect(broker.requestsReceived == 1)
    }
}
