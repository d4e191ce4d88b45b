import CoreMetrics
import FoundationEssentials
import Dispatch

/// A router: claims tasks, routes them to accounts through a connector, writes results back.
/// Headless (`switchyard router`) or embedded in the dashboard's process.
///
/// It composes small parts, each with a step function that tests call directly: claim loops
/// (`TaskClaimer`, `TaskCompleter`), a `LeaseKeeper` (heartbeat), a `LeaseRescuer`, and the
/// process's `TaskNotifier`. Claim loops and the periodic parts run on threads of their own,
/// each with its own connection (libpq blocks). Nothing here crashes the host: database errors
/// are recorded in `status.lastError` and retried. `start()` and `stop()` are idempotent.
public final class ExecutionRouter: @unchecked Sendable {
    // Safe because every mutable property below is read and written only under `lock`.
    private let lock = Lock()
    private var state: Status.State = .stopped
    private var stopRequested = false
    private var counts = Counts()
    /// The tasks each claim loop holds, by loop number.
    private var inFlight: [Int: [TaskID]] = [:]
    private var control = LeaseKeeper.Beat(paused: false, pausedEventTypes: [], leasesExtended: 0)
    private var lastError: (message: String, at: Date)?
    private var errorHandler: (@Sendable (String) -> Void)?
    private var noticeHandler: (@Sendable (String) -> Void)?
    private var finished = DispatchGroup()
    /// Every connection of a run shares it; `requestStop` shortens it to `stopPatience`.
    private var patience = PatienceLimit()
    private var leftToLease: [TaskID] = []

    public let settings: ConnectionSettings
    public let configuration: Configuration
    public let routerID: String
    private let routing: TaskRouting
    private let notifier: TaskNotifier
    /// The notifier was made here (not shared with a dashboard): the router starts and stops it.
    private let ownsNotifier: Bool
    private let keeper: LeaseKeeper
    private let rescuer: LeaseRescuer
    private let completer: TaskCompleter
    private let scheduler: Scheduler
    private let metrics: RouterMetrics
    private let evaluator: AlertEvaluator
    private let delivery: AlertDelivery
    private let pruner: DerivedTablePruner
    /// Wakes the claim loops after the first while claims come back full (a backlog); on a
    /// quiet queue only the first loop answers notifications, so a pick-up is one claim, not
    /// one per loop competing for the same task.
    private let backlog = WakeSignal()

    /// Everything a router can be tuned by. The defaults need no tuning: claims adapt to the
    /// queue, and the claim loops keep this machine's cores busy.
    public struct Configuration: Sendable {
        /// Claim sizes (adaptive up to a cap, or fixed) and the lease.
        public var claim = TaskClaimer.Config()
        /// The most tasks one claim may lock (`--batch-size`): the claimer's cap.
        public var batchSize: Int {
            get { claim.maximum }
            set { claim.maximum = newValue }
        }
        /// Longest wait between claims when no notification arrives (the fallback behind LISTEN).
        public var pollInterval: Duration = .seconds(2)
        /// Orders sent at once within a batch.
        public var concurrency = 4
        /// Claim loops, each with its own connection: while one writes a batch back, another
        /// claims and routes the next. By default one per core, two to eight.
        public var claimLoops = ExecutionRouter.defaultClaimLoops
        /// How long a claim holds a task before another router may take it back.
        public var lease: Duration {
            get { claim.lease }
            set { claim.lease = newValue }
        }
        /// How often the router reports itself and extends the leases of its in-flight tasks.
        public var heartbeatInterval: Duration = .seconds(2)
        /// How often the router looks for tasks whose lease expired (a router died).
        public var rescueInterval: Duration = .seconds(2)
        /// Once asked to stop, the longest the router waits for any one answer from the database;
        /// a batch it then cannot write back is left to its lease (see `Status.leftToLease`).
        public var stopPatience: Duration = AnswerDeadline.stopping
        public var retryPolicy: RetryPolicy = .default
        public var accounts: AccountSet = .demo
        public var mode: RoutingMode = .dryRun(DryRunConnector())
        /// Where live accounts' orders go; nil: this router does not route live accounts and
        /// skips them (an audit row says so), whatever the accounts file says. A broker's
        /// connector (`BrokerConnector`) is wrapped in a `LiveOrderDesk` over the router's
        /// database, so every live order passes the ledger and the risk limits.
        public var liveConnector: (any OrderConnector)?
        /// Take part in enqueuing the runs of schedules (every router may; each run enqueues once).
        public var runsSchedules = true
        public var scheduler = Scheduler.Config()
        /// Stop by itself once no task is PENDING, RETRYING or RUNNING (scripts and tests).
        public var exitWhenIdle = false
        /// nil: "host-pid-random".
        public var routerID: String?
        /// Where the router's counters go (swift-metrics); nil: the factory `MetricsSystem` was
        /// bootstrapped with, which discards them unless the host installed one.
        public var metricsFactory: (any MetricsFactory)?
        /// Evaluate the alert rules and deliver their messages (every router does, once for the
        /// cluster; docs/router.md). Off only for benchmarks that measure routing alone.
        public var alerts = true
        public var alertEvaluation = AlertEvaluator.Config()
        public var alertDelivery = AlertDelivery.Config()
        /// How long the derived tables keep their rows (per-minute counts, hours, delivered
        /// alert messages, schedule runs); every router prunes them, once for the cluster.
        public var pruning = DerivedTablePruner.Config()
        public init() {}
    }

    /// One claim loop per core, at least two (one routes while the other waits on the database),
    /// at most eight.
    public static let defaultClaimLoops = min(8, max(2, ProcessInfo.processInfo.activeProcessorCount))

    /// What the dashboard shows about this router; a snapshot, cheap to read.
    public struct Status: Sendable, Equatable {
        public enum State: String, Sendable { case stopped, starting, running, stopping }
        public var routerID: String
        public var state: State
        /// True while a global pause holds it.
        public var paused: Bool
        public var pausedEventTypes: [String]
        /// False when it routes live accounts (it has a live connector): its row says so too.
        public var dryRun: Bool
        public var inFlight: Int
        public var succeeded: Int
        public var retrying: Int
        public var failed: Int
        /// Of `failed`: ENTRYs refused because their trade's EXIT already ran (nothing sent).
        public var refused: Int
        /// Tasks this router took back from routers whose lease expired.
        public var recovered: Int
        public var lastError: String?
        public var lastErrorAt: Date?
        /// Tasks the last stop could neither write back nor release because the database did not
        /// answer: RUNNING under this router's lease, which any router rescues when it ends.
        public var leftToLease: [TaskID]
        /// Tasks whose attempt finished here (succeeded, retrying or failed).
        public var processed: Int { succeeded + retrying + failed }
    }

    private struct Counts {
        var succeeded = 0, retrying = 0, failed = 0, refused = 0, recovered = 0
    }

    /// A router over `settings`. Throws only for a configuration that cannot work (live routing
    /// without a live connector, a batch size below 1), or, with a live connector, when the
    /// database's id cannot be read (`DatabaseIdentity`).
    public convenience init(settings: ConnectionSettings, configuration: Configuration = Configuration(),
                            notifier: TaskNotifier? = nil) throws {
        try self.init(settings: settings, configuration: configuration, connector: try configuration.mode.connector(),
                      notifier: notifier)
    }

    /// A router sending through `connector` instead of the one `configuration.mode` names (a
    /// live connector, or a test's). `notifier` is the process's shared LISTEN connection (the
    /// dashboard's); without one the router makes and runs its own.
    public init(settings: ConnectionSettings, configuration: Configuration, connector: any OrderConnector,
                notifier: TaskNotifier? = nil) throws {
        var configuration = configuration
        // Every live order goes through the desk: its ledger, its risk limits, its follow-ups.
        if let broker = configuration.liveConnector as? any BrokerConnector {
            configuration.liveConnector = LiveOrderDesk(inner: broker, accounts: configuration.accounts, settings: settings)
        }
        guard configuration.batchSize >= 1, configuration.concurrency >= 1, configuration.claimLoops >= 1 else {
            throw ConfigurationError("Batch size, concurrency and claim loops must be 1 or more.")
        }
        try configuration.pruning.validate()
        guard configuration.lease > configuration.heartbeatInterval else {
            throw ConfigurationError("The lease must be longer than the heartbeat interval, or tasks in flight would be taken back.")
        }
        self.settings = settings
        self.configuration = configuration
        let metrics = RouterMetrics(accounts: configuration.accounts.enabled.map(\.name),
                                    factory: configuration.metricsFactory ?? MetricsSystem.factory)
        self.metrics = metrics
        self.routing = TaskRouting(accounts: configuration.accounts, connector: connector,
                                   liveConnector: configuration.liveConnector,
                                   databaseID: configuration.liveConnector == nil ? "" : try Self.databaseID(settings), metrics: metrics)
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let routerID = configuration.routerID
            ?? "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        self.routerID = routerID
        self.ownsNotifier = notifier == nil
        self.notifier = notifier ?? TaskNotifier(settings: settings, channels: NotificationChannel.router)
        var keeping = LeaseKeeper.Config()
        keeping.lease = configuration.lease
        keeping.interval = configuration.heartbeatInterval
        keeper = LeaseKeeper(routerID: routerID, config: keeping, dryRun: connector.isDryRun && !configuration.routesLive)
        var rescuing = LeaseRescuer.Config()
        rescuing.interval = configuration.rescueInterval
        rescuer = LeaseRescuer(rescuerID: routerID, config: rescuing, metrics: metrics)
        completer = TaskCompleter(routerID: routerID, retryPolicy: configuration.retryPolicy, metrics: metrics)
        scheduler = Scheduler(routerID: routerID, config: configuration.scheduler)
        evaluator = AlertEvaluator(evaluatorID: routerID, database: settings.displayName(), config: configuration.alertEvaluation)
        delivery = AlertDelivery(senderID: routerID, config: configuration.alertDelivery)
        pruner = DerivedTablePruner(config: configuration.pruning)
    }

    /// The database's id for live orders' idempotency keys, read once at start: a database
    /// without one (not migrated to 16) cannot route live orders, and says to migrate.
    private static func databaseID(_ settings: ConnectionSettings) throws -> String {
        let connection = try PGConnection(settings: settings)
        defer { connection.close() }
        return try DatabaseIdentity.read(on: connection)
    }

    /// A snapshot of the router's state.
    public var status: Status {
        lock.withLock {
            Status(routerID: routerID, state: state, paused: control.paused, pausedEventTypes: control.pausedEventTypes,
                   dryRun: keeper.dryRun, inFlight: inFlight.values.reduce(0) { $0 + $1.count },
                   succeeded: counts.succeeded, retrying: counts.retrying, failed: counts.failed, refused: counts.refused,
                   recovered: counts.recovered, lastError: lastError?.message, lastErrorAt: lastError?.at,
                   leftToLease: leftToLease)
        }
    }

    // MARK: Start and stop

    /// Starts claiming. Calling it while running does nothing.
    public func start() {
        let started: (DispatchGroup, PatienceLimit)? = lock.withLock {
            guard state == .stopped else { return nil }
            state = .starting
            stopRequested = false
            leftToLease = []
            inFlight = [:]
            finished = DispatchGroup()
            finished.enter()
            patience = PatienceLimit()
            return (finished, patience)
        }
        guard let (group, patience) = started else { return }
        if ownsNotifier { notifier.start() }
        let heartbeatWorker = PeriodicWorker(settings: settings,
                                             interval: configuration.heartbeatInterval, patience: patience,
                                             step: { [self] in try heartbeat(on: $0); return nil }, failed: { [self] in record($0) })
        let rescueWorker = PeriodicWorker(settings: settings,
                                          interval: configuration.rescueInterval, patience: patience,
                                          step: { [self] in try rescue(on: $0); return nil }, failed: { [self] in record($0) })
        let schedulerWorker = configuration.runsSchedules
            ? PeriodicWorker(settings: settings, interval: scheduler.config.maximumWait, patience: patience,
                             step: { [self] in try schedule(on: $0) }, failed: { [self] in record($0) })
            : nil
        // Derived tables: small batches on a connection of its own, never in a claim's way.
        let pruneWorker = PeriodicWorker(settings: settings, interval: configuration.pruning.interval, claimSession: false,
                                         patience: patience,
                                         step: { [self] in _ = try pruner.runOnce(on: $0, proceed: { !isStopping }); return nil },
                                         failed: { [self] in record($0) })
        // Live orders the broker took, followed to their fills through the desk's ledger.
        let followWorker = (configuration.liveConnector as? LiveOrderDesk).map { desk in
            PeriodicWorker(settings: settings, interval: desk.config.followInterval, claimSession: false, patience: patience,
                           step: { [self] in try followOpenOrders(desk, on: $0) }, failed: { [self] in record($0) })
        }
        heartbeatWorker.start()
        rescueWorker.start()
        schedulerWorker?.start()
        pruneWorker.start()
        followWorker?.start()
        // Alerts: evaluation and delivery on threads and connections of their own, so a webhook
        // that never answers delays only other alert messages, never a claim.
        let deliveryWorker = PeriodicWorker(settings: settings,
                                            interval: configuration.alertDelivery.interval, claimSession: false,
                                            patience: patience,
                                            step: { [self] in
                                                // In the router's log too; the history has every try.
                                                try delivery.runOnce(on: $0).failures.forEach(record)
                                                return nil
                                            }, failed: { [self] in record($0) })
        let evaluationWorker = PeriodicWorker(settings: settings,
                                              interval: configuration.alertEvaluation.interval, claimSession: false,
                                              patience: patience,
                                              step: { [self] in
                                                  let report = try evaluator.runOnce(on: $0)
                                                  report.errors.forEach(record)
                                                  if !report.queued.isEmpty { deliveryWorker.wake() }
                                                  return nil
                                              }, failed: { [self] in record($0) })
        if configuration.alerts {
            evaluationWorker.start()
            deliveryWorker.start()
        }
        let loops = DispatchGroup()
        for number in 0..<configuration.claimLoops {
            loops.enter()
            startDedicatedThread { [self] in
                runClaimLoop(number, patience: patience)
                loops.leave()
            }
        }
        // One way out: when every claim loop has ended, the heartbeat stops (never earlier: it
        // keeps the leases of batches still being written), leftovers are released, the router
        // is marked stopped, and the waiters are let go.
        startDedicatedThread { [self] in
            loops.wait()
            // All asked first, then waited for: against a database that does not answer, each
            // ends within one wait for it (`stopPatience`), together rather than one after another.
            let workers = [heartbeatWorker, rescueWorker, schedulerWorker, pruneWorker, followWorker, evaluationWorker,
                           deliveryWorker]
                .compactMap { $0 }
            workers.forEach { $0.requestStop() }
            workers.forEach { $0.stop() }
            finishStopping(patience: patience)
            (configuration.liveConnector as? LiveOrderDesk)?.closeIdleConnections()
            if ownsNotifier { notifier.stop() }
            lock.withLock { state = .stopped }
            group.leave()
        }
    }

    /// Asks the router to stop: no new claims; the batches in flight finish and are written back
    /// (or released). Returns at once; `waitUntilStopped` waits. From now on no answer from the
    /// database is awaited longer than `stopPatience`: a database that does not answer cannot
    /// hold the stop, and what could not be written back is left to its lease (`leftToLease`).
    public func requestStop() {
        let stopping: Bool = lock.withLock {
            guard state == .starting || state == .running else { return false }
            state = .stopping
            stopRequested = true
            patience.limit(to: configuration.stopPatience)
            return true
        }
        if stopping {
            notifier.wakeAll()
            backlog.wakeAll()
        }
    }

    /// Stops and waits until nothing of this router runs. Calling it twice is harmless.
    public func stop() async {
        requestStop()
        await waitUntilStopped()
    }

    /// Waits until the router has stopped (by `stop`, or by itself with `exitWhenIdle`).
    public func waitUntilStopped() async {
        let group = lock.withLock { finished }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            group.notify(queue: .global()) { continuation.resume() }
        }
    }

    /// The same, blocking the calling thread (signal handlers, command-line code).
    public func waitUntilStoppedBlocking() {
        let group = lock.withLock { finished }
        group.wait()
    }

    /// Puts back whatever is still RUNNING under this router (a batch its loop could not write
    /// back) and marks the router stopped, on a connection of its own. When the database did not
    /// answer during the stop, asks it nothing more: the batches still held are left to their
    /// lease and named in `leftToLease`.
    private func finishStopping(patience: PatienceLimit) {
        let held = lock.withLock { inFlight.values.flatMap { $0 }.sorted() }
        var left = held
        if !patience.wentUnansweredSinceLimit {
            do {
                let connection = try PGConnection(settings: settings, patience: patience)
                defer { connection.close() }
                try TaskQueue(connection: connection).release(routerID: routerID)
                try keeper.markStopped(on: connection, processed: status.processed)
                left = []
            } catch {
                record(error)
            }
        }
        lock.withLock {
            leftToLease = left
            inFlight = [:]
            reportInFlight()
        }
    }

    private var isStopping: Bool { lock.withLock { stopRequested } }

    // MARK: Claim loops

    /// One claim loop: claim, route, write back, until stopped. Loop `number` keys its in-flight
    /// tasks. Loop 0 waits for notifications; the others for a backlog (a full claim).
    private func runClaimLoop(_ number: Int, patience: PatienceLimit) {
        var connection: PGConnection?
        var claimer = TaskClaimer(routerID: routerID, config: configuration.claim, metrics: metrics)
        var unwritten: (tasks: [ClaimedTask], outcomes: [TaskOutcome])?
        var failures = 0
        let wakes = number == 0 ? notifier.waitSignal : backlog
        while true {
            let mark = wakes.mark
            do {
                let live = try connection ?? connectForClaims(patience: patience)
                connection = live
                if let batch = unwritten {
                    try writeBack(batch.outcomes, of: batch.tasks, on: live, loop: number)
                    unwritten = nil
                }
                if isStopping { break }
                lock.withLock { if state == .starting { state = .running } }
                let asked = claimer.nextLimit
                let claimed = try claimer.runOnce(on: live)
                failures = 0
                if claimed.count >= asked { backlog.wakeAll() }
                if claimed.isEmpty {
                    if configuration.exitWhenIdle, try !TaskQueue(connection: live).hasUnfinishedWork() {
                        // The others may be waiting out their poll interval: let them look now.
                        backlog.wakeAll()
                        notifier.wakeAll()
                        break
                    }
                    wakes.wait(after: mark, timeout: number == 0 ? try idleWait(on: live) : configuration.pollInterval)
                    continue
                }
                setInFlight(number, claimed.map(\.id))
                unwritten = (claimed, routeAll(claimed))
                try writeBack(unwritten!.outcomes, of: claimed, on: live, loop: number)
                unwritten = nil
            } catch {
                failures += 1
                record(error)
                if let database = error as? DatabaseError, database.isConnectionLost || !(connection?.isConnected ?? false) {
                    connection?.close()
                    connection = nil
                }
                // A batch that cannot be written while stopping is released by `finishStopping`,
                // or left to its lease when the database does not answer.
                if isStopping && (failures > 3 || (error as? DatabaseError)?.isNoAnswer == true) { break }
                // Capped at 2 s: after a failover the router is back on the new primary within
                // about that of the promote.
                wakes.wait(after: mark, timeout: .milliseconds(min(2000, 100 << min(failures, 5))))
            }
        }
        connection?.close()
        // A batch not written back stays listed: `finishStopping` releases it or names it.
        if unwritten == nil { setInFlight(number, nil) }
    }

    /// Records what claim loop `loop` holds.
    private func setInFlight(_ loop: Int, _ tasks: [TaskID]?) {
        lock.withLock {
            inFlight[loop] = tasks
            reportInFlight()
        }
    }

    /// Sets the in-flight gauge to the process's total. Called under `lock`, so two loops
    /// cannot leave it at a stale total.
    private func reportInFlight() {
        metrics.inFlight(inFlight.values.reduce(0) { $0 + $1.count })
    }

    private func connectForClaims(patience: PatienceLimit) throws -> PGConnection {
        let fresh = try PGConnection(settings: settings, patience: patience)
        try TaskQueue(connection: fresh).prepareSessionForClaims()
        return fresh
    }

    /// How long an idle loop may sleep: the poll interval, or less when a task becomes available
    /// sooner (on the server's clock). Tasks already available but not claimable (paused, an
    /// EXIT behind its ENTRY) wait for the notification that frees them, or the poll interval.
    private func idleWait(on connection: PGConnection) throws -> Duration {
        guard let next = try TaskQueue(connection: connection).timeUntilNextAvailable(), next > .zero else {
            return configuration.pollInterval
        }
        return min(configuration.pollInterval, next + .milliseconds(1))
    }

    private func writeBack(_ outcomes: [TaskOutcome], of tasks: [ClaimedTask], on connection: PGConnection, loop: Int) throws {
        let report = try completer.runOnce(outcomes, of: tasks, on: connection)
        if report.duplicateAcceptances > 0 {
            record("\(report.duplicateAcceptances) acceptance(s) were already recorded; no second order was kept.")
        }
        lock.withLock {
            counts.succeeded += report.succeeded.count
            counts.retrying += report.retrying.count
            counts.failed += report.failed.count
            counts.refused += report.refused.count
            inFlight[loop] = nil
            reportInFlight()
        }
        // Another loop may be waiting for this batch: an EXIT whose ENTRY was in it.
        notifier.wakeAll()
    }

    /// Routes a batch, at most `concurrency` tasks at once.
    private func routeAll(_ tasks: [ClaimedTask]) -> [TaskOutcome] {
        let workers = min(configuration.concurrency, tasks.count)
        if workers <= 1 { return tasks.map(routing.route) }
        let results = OutcomeSlots(count: tasks.count)
        let group = DispatchGroup()
        let routing = self.routing
        for worker in 0..<workers {
            group.enter()
            startDedicatedThread {
                var index = worker
                while index < tasks.count {
                    results.set(index, routing.route(tasks[index]))
                    index += workers
                }
                group.leave()
            }
        }
        group.wait()
        return results.values
    }

    // MARK: Periodic parts

    private func heartbeat(on connection: PGConnection) throws {
        let held = lock.withLock { inFlight.values.flatMap { $0 } }
        let beat = try keeper.runOnce(on: connection, inFlight: held, processed: status.processed)
        lock.withLock { control = beat }
    }

    /// One scheduler step; sleeps until the next run is due (at most the scheduler's longest wait).
    /// A database not migrated to schedules yet has none to run: the router looks again a minute later.
    private func schedule(on connection: PGConnection) throws -> Duration? {
        let report: Scheduler.Report
        do {
            report = try scheduler.runOnce(on: connection)
        } catch let error as DatabaseError where error.sqlState == .undefinedTable || error.sqlState == .undefinedColumn {
            return .seconds(60)
        }
        if !report.notices.isEmpty, let handler = lock.withLock({ noticeHandler }) { report.notices.forEach(handler) }
        return report.wait
    }

    /// One follow-up step of the live desk. A database without the order ledger (before
    /// migration 17) has no order to follow: the router looks again a minute later.
    private func followOpenOrders(_ desk: LiveOrderDesk, on connection: PGConnection) throws -> Duration? {
        do {
            try desk.followOpenOrders(on: connection).failures.forEach(record)
            return nil
        } catch let error as DatabaseError where error.sqlState == .undefinedTable {
            return .seconds(60)
        }
    }

    private func rescue(on connection: PGConnection) throws {
        let rescued = try rescuer.runOnce(on: connection)
        if !rescued.isEmpty { lock.withLock { counts.recovered += rescued.count } }
    }

    /// Calls `handler` with each new error (a repeat of the last one is not new), on the
    /// thread that met it: for logs, instead of polling `status`.
    public func onError(_ handler: @escaping @Sendable (String) -> Void) {
        lock.withLock { errorHandler = handler }
    }

    /// Calls `handler` with each event worth a log line that is not an error (runs of schedules
    /// missed while no router was alive), on the thread that saw it.
    public func onNotice(_ handler: @escaping @Sendable (String) -> Void) {
        lock.withLock { noticeHandler = handler }
    }

    private func record(_ error: Error) {
        record((error as? DatabaseError)?.message ?? "\(error)")
    }

    private func record(_ text: String) {
        let handler = lock.withLock {
            let isNew = lastError?.message != text
            lastError = (text, Date())
            return isNew ? errorHandler : nil
        }
        handler?(text)
    }
}

/// Result slots filled by the worker threads of one batch.
private final class OutcomeSlots: @unchecked Sendable {
    // Safe because each index is written by exactly one worker, under `lock`, and read only
    // after every worker finished (DispatchGroup.wait).
    private let lock = Lock()
    private var slots: [TaskOutcome?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ outcome: TaskOutcome) { lock.withLock { slots[index] = outcome } }
    var values: [TaskOutcome] { lock.withLock { slots.compactMap { $0 } } }
}
