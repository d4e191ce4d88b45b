import Foundation
import Testing
@testable import SwitchyardEngine

/// Refuses every order on a task's first attempt, accepts later ones: failure, then retry, then success.
struct FailFirstAttemptConnector: OrderConnector {
    var isDryRun: Bool { true }
    func send(_ order: Order) -> OrderResult {
        order.attempt == 1 ? OrderResult(accepted: false, code: 503, message: "first attempt refused")
            : OrderResult(accepted: true, code: 200, message: "accepted")
    }
}

/// Accepts every order except those `refuse` picks, and remembers every order sent.
final class RecordingConnector: OrderConnector, @unchecked Sendable {
    // Safe because `sent` is read and written only under `lock`.
    private let lock = NSLock()
    private var sent: [Order] = []
    private let refuse: @Sendable (Order) -> Bool
    init(refuse: @escaping @Sendable (Order) -> Bool) { self.refuse = refuse }
    var isDryRun: Bool { true }
    var orders: [Order] { lock.withLock { sent } }
    func send(_ order: Order) -> OrderResult {
        lock.withLock { sent.append(order) }
        return refuse(order) ? OrderResult(accepted: false, code: 503, message: "refused") : OrderResult(accepted: true, code: 200, message: "accepted")
    }
}

/// Holds every order until `open()`, then accepts them all.
final class GatedConnector: OrderConnector, @unchecked Sendable {
    // Safe because the semaphore is the only state, and it is thread-safe.
    private let gate = DispatchSemaphore(value: 0)
    var isDryRun: Bool { true }
    func open() { gate.signal() }
    func send(_ order: Order) -> OrderResult {
        gate.wait()
        gate.signal()
        return OrderResult(accepted: true, code: 200, message: "accepted")
    }
}

@Suite(.database) struct ExecutionRouterTests {
    static let twoAccounts = try! AccountSet(accounts: [
        Account(name: "big", pointValue: 50, riskPerTrade: 1000, maxContracts: 5),
        Account(name: "small", pointValue: 5, riskPerTrade: 100, maxContracts: 2),
    ])

    func configuration(_ accounts: AccountSet = twoAccounts, exitWhenIdle: Bool = true) -> ExecutionRouter.Configuration {
        var configuration = ExecutionRouter.Configuration()
        configuration.accounts = accounts
        configuration.exitWhenIdle = exitWhenIdle
        configuration.pollInterval = .milliseconds(200)
        configuration.retryPolicy = RetryPolicy(base: .zero, cap: .zero, jitter: 0)
        return configuration
    }

    /// Runs a router until it is idle, with a generous limit so a hang fails instead of blocking.
    func drain(_ schema: TestSchema, _ configuration: ExecutionRouter.Configuration) async throws -> ExecutionRouter.Status {
        try await drainWith(try configuration.mode.connector(), schema: schema, configuration: configuration)
    }

    @Test func aRouterRoutesEntriesAndExitsToTheAccountsThatAcceptedThem() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 30))
        let status = try await drain(schema, configuration())
        #expect(status.processed == 60 && status.succeeded == 60 && status.lastError == nil)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status <> 'SUCCESS'") == 0)
        // Each ENTRY accepted by both accounts (sizes from the payload), each EXIT closed on both.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs l JOIN execution_tasks t ON t.id = l.task_id WHERE t.event_type = 'ENTRY' AND l.status = 'SUCCESS'") == 60)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs l JOIN execution_tasks t ON t.id = l.task_id WHERE t.event_type = 'EXIT' AND l.status = 'SUCCESS' AND l.account IS NOT NULL") == 60)
        // No EXIT started before its ENTRY finished.
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_tasks x JOIN execution_tasks e ON e.trade_id = x.trade_id AND e.event_type = 'ENTRY'
            WHERE x.event_type = 'EXIT' AND x.last_attempt_at::timestamptz < e.finished_at - interval '1 millisecond'
            """) == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE stopped_at IS NOT NULL AND processed = 60") == 1)
    }

    @Test func sizingFollowsTheRiskAndSkipsAccountsTooSmall() throws {
        let entry = try EntryPayload(direction: .long, entryPrice: 4156.25, stopLoss: 4150.00)
        let accounts = AccountSet.demo
        #expect(accounts.accounts.count == 4)
        #expect(accounts["apex-eval-1"]?.size(entry).contracts == 1)
        #expect(accounts["apex-eval-2"]?.size(entry).contracts == 8)
        #expect(accounts["topstep-funded"]?.size(entry).contracts == 3)
        let tiny = Account(name: "tiny", pointValue: 50, riskPerTrade: 100, maxContracts: 3)
        #expect(tiny.size(entry).contracts == 0)
        #expect(tiny.size(entry).reason?.contains("less than one contract") == true)
        let capped = Account(name: "capped", pointValue: 5, riskPerTrade: 10_000, maxContracts: 4)
        #expect(capped.size(entry).contracts == 4)
    }

    @Test func aFailedAttemptIsRetriedAndSucceedsWithoutResendingAcceptedOrders() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let ids = try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 3))
        let status = try await drainWith(FailFirstAttemptConnector(), schema: schema, configuration: configuration())
        #expect(status.retrying == 6 && status.succeeded == 6)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS' AND attempts = 2") == ids.count)
        // One refusal and one acceptance per account and ENTRY; never two acceptances.
        #expect(try connection.count("SELECT count(*) AS n FROM (SELECT task_id, account FROM execution_logs WHERE status = 'SUCCESS' AND account IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d") == 0)
    }

    @Test func aRetrySendsOnlyToTheAccountsThatHaveNotAccepted() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 3))
        let connector = RecordingConnector(refuse: { $0.account == "small" && $0.attempt == 1 })
        let status = try await drainWith(connector, schema: schema, configuration: configuration())
        #expect(status.succeeded == 6)
        let sent = connector.orders
        // Attempt 1: both accounts (big accepted, small refused). Attempt 2: only small.
        #expect(sent.filter { $0.attempt == 2 }.allSatisfy { $0.account == "small" })
        #expect(sent.filter { $0.attempt == 2 }.count == 6)
        #expect(Set(sent.map { "\($0.taskID.rawValue)-\($0.account)-\($0.attempt)" }).count == sent.count)
    }

    func drainWith(_ connector: some OrderConnector, schema: TestSchema, configuration: ExecutionRouter.Configuration) async throws -> ExecutionRouter.Status {
        let router = try ExecutionRouter(settings: schema.settings(), configuration: configuration, connector: connector)
        return await runUntilIdle(router)
    }

    @Test func attemptsRunOutAndTheTaskFails() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let id = try TaskQueue(connection: connection).enqueue(try NewTask(tradeID: "T", eventType: .entry,
                                                                            payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 3))
        let status = try await drainWith(DryRunConnector(failureRate: 1), schema: schema, configuration: configuration())
        #expect(status.retrying == 2 && status.failed == 1)
        let row = try connection.execute("SELECT status, attempts, last_error FROM execution_tasks WHERE id = \(id)").first!
        #expect(try row.decode("status", as: String.self) == "FAILED")
        #expect(try row.decode("attempts", as: Int.self) == 3)
        #expect(try row.decode("last_error", as: String.self).contains("none left"))
    }

    @Test func badPayloadsFailWithAClearErrorAndTheTasksBehindThemRun() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let huge = #"{"kind":"ENTRY","direction":"LONG","entry_price":2,"stop_loss":1,"pad":""# + String(repeating: "x", count: 70_000) + #""}"#
        let bad: [(String?, EventType, String)] = [
            (#""just a string""#, .entry, "not a JSON object"), // valid JSON, not an object
            (#"{"kind":"ENTRY","direction":"LONG","stop_loss":1}"#, .entry, "entry_price is missing"),
            (#"{"kind":"ENTRY","direction":"LONG","entry_price":5,"stop_loss":5}"#, .entry, "stop_loss equals entry_price"),
            (huge, .entry, "limit is 65536"),
            (#"{"kind":"SWAP"}"#, .entry, "kind \"SWAP\" is unknown"),
            (nil, .entry, "no payload"),
        ]
        let queue = TaskQueue(connection: connection)
        var badIDs: [TaskID: String] = [:]
        for (index, item) in bad.enumerated() {
            badIDs[try queue.enqueue(NewTask(unchecked: "BAD-\(index)", eventType: item.1, payload: item.0))] = item.2
        }
        try queue.enqueue(DemoTraffic.trades(count: 5))
        let status = try await drain(schema, configuration())
        #expect(status.failed == bad.count && status.succeeded == 10)
        for (id, expected) in badIDs {
            let row = try connection.execute("SELECT status, attempts, last_error FROM execution_tasks WHERE id = \(id)").first!
            #expect(try row.decode("status", as: String.self) == "FAILED")
            #expect(try row.decode("attempts", as: Int.self) == 1)
            let error = try row.decode("last_error", as: String.self)
            #expect(error.contains(expected) || (expected == "not a JSON object" && error.contains("is a string")), "\(id): \(error)")
        }
    }

    @Test func anExitWhoseEntryFailedClosesNothing() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let queue = TaskQueue(connection: connection)
        try queue.enqueue(NewTask(unchecked: "T", eventType: .entry, payload: #"{"kind":"ENTRY","direction":"LONG","entry_price":5,"stop_loss":5}"#))
        let exit = try queue.enqueue(try NewTask(tradeID: "T", eventType: .exit, payloadJSON: TaskQueueTests.exitJSON))
        _ = try await drain(schema, configuration())
        let detail = try #require(try MonitorQueries().taskDetail(on: connection, id: exit))
        #expect(detail.summary.status == .success)
        #expect(detail.auditTrail.map { $0.message ?? "" }.contains { $0.hasPrefix("Nothing to close") })
    }

    @Test func aPausedRouterClaimsNothingUntilResumed() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let actions = RouterSwitches(connection: connection)
        try actions.perform(.pauseRouter(reason: "test"), actor: "ops@box")
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 5))
        let router = try ExecutionRouter(settings: schema.settings(), configuration: configuration(exitWhenIdle: true))
        router.start()
        // Wait until the router has seen the pause (its heartbeat reports it) and polled a few times.
        let deadline = ContinuousClock.now + .seconds(30)
        while !router.status.paused, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(600))
        #expect(router.status.paused)
        #expect(router.status.processed == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status <> 'PENDING'") == 0)
        try actions.perform(.resumeRouter, actor: "ops@box")
        // A limit counted from the resume: on a loaded machine the wait for the pause above may
        // have used much of the first one.
        let resumed = ContinuousClock.now
        while router.status.state != .stopped, ContinuousClock.now < resumed + .seconds(90) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(router.status.processed == 10, "\(router.status)")
        await router.stop()
    }

    @Test func anIdleRouterWakesOnANotificationLongBeforeItsPollInterval() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        var configuration = configuration(exitWhenIdle: false)
        configuration.pollInterval = .seconds(120)
        let router = try ExecutionRouter(settings: schema.settings(), configuration: configuration)
        router.start()
        let started = ContinuousClock.now + .seconds(30)
        while router.status.state != .running, ContinuousClock.now < started { try await Task.sleep(for: .milliseconds(10)) }
        #expect(router.status.state == .running)
        try await Task.sleep(for: .milliseconds(300)) // it is now waiting out its 120 s poll
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 1))
        let deadline = ContinuousClock.now + .seconds(60)
        while router.status.processed < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(router.status.processed == 2)
        await router.stop()
        await router.stop() // idempotent
        #expect(router.status.state == .stopped)
    }

    @Test(arguments: [1, 2])
    func stoppingMidBatchLeavesNothingRunning(claimLoops: Int) async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 50))
        var configuration = configuration(exitWhenIdle: false)
        configuration.concurrency = 2
        configuration.claimLoops = claimLoops
        // Orders wait at the gate, so the first batch is surely in flight when the stop comes,
        // however loaded the machine is.
        let gate = GatedConnector()
        let router = try ExecutionRouter(settings: schema.settings(), configuration: configuration, connector: gate)
        router.start()
        let deadline = ContinuousClock.now + .seconds(30)
        while router.status.inFlight == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(router.status.inFlight > 0)
        router.requestStop()
        gate.open()
        await router.waitUntilStopped()
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING'") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'PENDING'") > 0)
        // The batches in flight were finished and written back, not thrown away.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") == router.status.succeeded)
        #expect(router.status.succeeded > 0 && router.status.inFlight == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE stopped_at IS NOT NULL AND in_flight = 0") == 1)
    }

    @Test func liveRoutingWithoutAConnectorIsAClearError() throws {
        var configuration = ExecutionRouter.Configuration()
        configuration.mode = .live
        #expect(throws: ConfigurationError.self) { try ExecutionRouter(settings: ConnectionSettings(), configuration: configuration) }
    }

    @Test func theDemoAccountsFileParses() throws {
        #expect(AccountSet.demo.enabled.count == 3)
        #expect(throws: AccountsError.self) { try AccountSet(json: #"{"accounts":[{"name":"x"}]}"#) }
    }
}

/// Starts `router`, which stops by itself once idle (`exitWhenIdle`); a hang fails the test
/// after 60 s instead of blocking the run.
func runUntilIdle(_ router: ExecutionRouter) async -> ExecutionRouter.Status {
    router.start()
    let watchdog = Task {
        try await Task.sleep(for: .seconds(60))
        Issue.record("the router did not finish within 60 s")
        router.requestStop()
    }
    await router.waitUntilStopped()
    watchdog.cancel()
    return router.status
}
