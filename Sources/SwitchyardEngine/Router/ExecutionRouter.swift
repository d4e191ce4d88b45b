import Foundation

/// A router: claims tasks, routes them to accounts through a connector, writes results back.
/// Headless (`switchyard router`) or embedded in the dashboard's process.
///
/// `start()` and `stop()` are idempotent. The claim loop and the heartbeat run on threads of
/// their own, each with its own connection (libpq blocks; see PITFALLS.md). Nothing here
/// crashes the host: database errors are recorded in `status.lastError` and retried.
public final class ExecutionRouter: @unchecked Sendable {
    // Safe because every mutable property below is read and written only under `lock`.
    private let lock = NSLock()
    private var current: Status
    private var stopRequested = false
    /// The tasks each claim loop holds, by loop number.
    private var inFlightIDs: [Int: [TaskID]] = [:]
    private var finished = DispatchGroup()
    private var wakeHeartbeat = DispatchSemaphore(value: 0)
    private var threadsRunning = 0
    private var claimLoopsRunning = 0
    /// Counts batches written back, so a claim loop waiting for work wakes when another loop's
    /// write may have unblocked an EXIT.
    private var batchesWritten = 0

    public let settings: ConnectionSettings
    public let configuration: Configuration
    public let routerID: String
    private let routing: TaskRouting

    /// Everything a router can be tuned by; the defaults are the seed system's (poll 2 s, batch 20).
    public struct Configuration: Sendable {
        /// Tasks one claim may lock.
        public var batchSize = 20
        /// Longest wait between claims when no notification arrives.
        public var pollInterval: Duration = .seconds(2)
        /// Orders sent at once within a batch.
        public var concurrency = 4
        /// Claim loops, each with its own connection: while one writes a batch back, another
        /// claims and routes the next. 2 keeps a 2-core machine busy; 1 is the seed's design.
        public var claimLoops = 1
        /// How long a claim holds a task before another router may take it back.
        public var lease: Duration = .seconds(10)
        /// How often the router reports itself and extends the leases of its in-flight tasks.
        public var heartbeatInterval: Duration = .seconds(2)
        /// How often the router looks for tasks whose lease expired (a router died).
        public var rescueInterval: Duration = .seconds(2)
        public var retryPolicy: RetryPolicy = .default
        public var accounts: AccountSet = .demo
        public var mode: RoutingMode = .dryRun(DryRunConnector())
        /// Stop by itself once no task is PENDING, RETRYING or RUNNING (scripts and tests).
        public var exitWhenIdle = false
        /// nil: "host-pid-random".
        public var routerID: String?
        public init() {}
    }

    /// What the dashboard shows about this router; a snapshot, cheap to read.
    public struct Status: Sendable, Equatable {
        public enum State: String, Sendable { case stopped, starting, running, stopping }
        public var routerID: String
        public var state: State
        /// True while a global pause (or a pause of every event type it sees) holds it.
        public var paused: Bool
        public var pausedEventTypes: [String]
        public var dryRun: Bool
        public var inFlight: Int
        /// Tasks whose attempt finished here (succeeded, retrying or failed).
        public var processed: Int
        public var succeeded: Int
        public var retrying: Int
        public var failed: Int
        /// Tasks this router took back from routers whose lease expired.
        public var recovered: Int
        public var lastError: String?
        public var lastErrorAt: Date?
    }

    /// A router over `settings`. Throws only for a configuration that cannot work (live routing
    /// without a live connector, a batch size below 1).
    public convenience init(settings: ConnectionSettings, configuration: Configuration = Configuration()) throws {
        try self.init(settings: settings, configuration: configuration, connector: try configuration.mode.connector())
    }

    /// A router sending through `connector` instead of the one `configuration.mode` names
    /// (a live connector, or a test's).
    public init(settings: ConnectionSettings, configuration: Configuration, connector: any OrderConnector) throws {
        guard configuration.batchSize >= 1, configuration.concurrency >= 1, configuration.claimLoops >= 1 else {
            throw ActionError("Batch size, concurrency and claim loops must be 1 or more.")
        }
        guard configuration.lease > configuration.heartbeatInterval else {
            throw ActionError("The lease must be longer than the heartbeat interval, or tasks in flight would be taken back.")
        }
        self.settings = settings
        self.configuration = configuration
        self.routing = TaskRouting(accounts: configuration.accounts, connector: connector)
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        self.routerID = configuration.routerID
            ?? "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        self.current = Status(routerID: routerID, state: .stopped, paused: false, pausedEventTypes: [],
                              dryRun: routing.connector.isDryRun, inFlight: 0, processed: 0, succeeded: 0,
                              retrying: 0, failed: 0, recovered: 0, lastError: nil, lastErrorAt: nil)
    }

    /// A snapshot of the router's state.
    public var status: Status { lock.withLock { current } }

    /// Starts claiming. Calling it while running does nothing.
    public func start() {
        lock.withLock {
            guard current.state == .stopped else { return }
            current.state = .starting
            stopRequested = false
            finished = DispatchGroup()
            wakeHeartbeat = DispatchSemaphore(value: 0)
            finished.enter()
            claimLoopsRunning = configuration.claimLoops
            threadsRunning = configuration.claimLoops + 1
            inFlightIDs = [:]
            for number in 0..<configuration.claimLoops {
                let loop = Thread { [self] in runClaimLoop(number) }
                loop.name = "switchyard.router.claim.\(number)"
                loop.start()
            }
            let heartbeat = Thread { [self] in runHeartbeat() }
            heartbeat.name = "switchyard.router.heartbeat"
            heartbeat.start()
        }
    }

    /// Asks the router to stop: no new claims; the batch in flight finishes and is written back
    /// (or released). Returns at once; `waitUntilStopped` waits.
    public func requestStop() {
        lock.withLock {
            guard current.state == .starting || current.state == .running else { return }
            current.state = .stopping
            stopRequested = true
        }
        lock.withLock { wakeHeartbeat }.signal()
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

    // MARK: Claim loop

    private var isStopping: Bool { lock.withLock { stopRequested } }

    /// One claim loop: claim, route, write back, until stopped. Loop `number` keys its in-flight tasks.
    private func runClaimLoop(_ number: Int) {
        var connection: PGConnection?
        defer { finishLoop(number, connection: connection) }
        var listener: PGConnection?
        var unwritten: (outcomes: [TaskOutcome], claimed: [TaskID: ClaimedTask])?
        var failures = 0
        var lastRescue = ContinuousClock.now - .seconds(3600)
        while true {
            do {
                if connection == nil {
                    let fresh = try PGConnection(settings: settings)
                    try TaskQueue(connection: fresh).prepareSessionForClaims()
                    try register(fresh)
                    connection = fresh
                }
                if listener == nil {
                    let fresh = try PGConnection(settings: settings)
                    try fresh.listen("switchyard_tasks")
                    try fresh.listen("switchyard_control")
                    listener = fresh
                }
                guard let connection, let listener else { continue }
                let queue = TaskQueue(connection: connection)
                markRunning()
                if let pending = unwritten {
                    try write(pending.outcomes, claimed: pending.claimed, queue: queue, loop: number)
                    unwritten = nil
                }
                if isStopping { break }
                if ContinuousClock.now - lastRescue >= configuration.rescueInterval {
                    let rescued = try queue.rescueExpired(by: routerID)
                    if !rescued.isEmpty { lock.withLock { current.recovered += rescued.count } }
                    lastRescue = .now
                }
                let claimed = try queue.claim(limit: configuration.batchSize, routerID: routerID, lease: configuration.lease)
                failures = 0
                if claimed.isEmpty {
                    if configuration.exitWhenIdle, try !hasUnfinishedWork(connection) { break }
                    try waitForWork(listener, queue: queue)
                    continue
                }
                lock.withLock {
                    inFlightIDs[number] = claimed.map(\.id)
                    current.inFlight = inFlightIDs.values.reduce(0) { $0 + $1.count }
                }
                let outcomes = routeAll(claimed)
                let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0) })
                unwritten = (outcomes, byID)
                try write(outcomes, claimed: byID, queue: queue, loop: number)
                unwritten = nil
            } catch {
                failures += 1
                record(error)
                if let database = error as? DatabaseError, database.isConnectionLost || !(connection?.isConnected ?? false) {
                    connection?.close()
                    connection = nil
                    listener?.close()
                    listener = nil
                }
                if isStopping && failures > 3 { break }
                pause(for: .milliseconds(min(5000, 200 * (1 << min(failures, 5)))))
            }
        }
        // A clean stop leaves nothing RUNNING: write back what this loop could not write yet.
        if let connection, let pending = unwritten {
            try? write(pending.outcomes, claimed: pending.claimed, queue: TaskQueue(connection: connection), loop: number)
        }
    }

    /// Ends claim loop `number`. The last loop to end puts back whatever is still RUNNING under
    /// this router (never earlier: another loop may still be writing its batch) and marks it stopped.
    private func finishLoop(_ number: Int, connection: PGConnection?) {
        let (wake, last) = lock.withLock { () -> (DispatchSemaphore, Bool) in
            stopRequested = true
            inFlightIDs[number] = nil
            current.inFlight = inFlightIDs.values.reduce(0) { $0 + $1.count }
            claimLoopsRunning -= 1
            return (wakeHeartbeat, claimLoopsRunning == 0)
        }
        if last {
            if let connection, connection.isConnected {
                _ = try? TaskQueue(connection: connection).release(routerID: routerID)
                _ = try? connection.execute("""
                    UPDATE switchyard_routers SET stopped_at = now(), heartbeat_at = now(), in_flight = 0,
                        processed = \(status.processed) WHERE id = \(routerID)
                    """)
            } else if let fresh = try? PGConnection(settings: settings) {
                _ = try? TaskQueue(connection: fresh).release(routerID: routerID)
                _ = try? fresh.execute("UPDATE switchyard_routers SET stopped_at = now(), in_flight = 0 WHERE id = \(routerID)")
            }
            lock.withLock {
                inFlightIDs = [:]
                current.inFlight = 0
            }
        }
        wake.signal()
        threadFinished()
    }

    /// The last thread to end (claim loops and heartbeat) marks the router stopped, then releases the waiters.
    private func threadFinished() {
        let group = lock.withLock { () -> DispatchGroup? in
            threadsRunning -= 1
            guard threadsRunning == 0 else { return nil }
            current.state = .stopped
            return finished
        }
        group?.leave()
    }

    private func markRunning() {
        lock.withLock { if current.state == .starting { current.state = .running } }
    }

    private func register(_ connection: PGConnection) throws {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let query: Query = """
            INSERT INTO switchyard_routers (id, host, pid, dry_run, version)
            VALUES (\(routerID), \(host), \(pid), \(routing.connector.isDryRun), 'switchyard')
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL
            """
        try connection.execute(query.named("registerRouter"))
    }

    private func write(_ outcomes: [TaskOutcome], claimed: [TaskID: ClaimedTask], queue: TaskQueue, loop: Int) throws {
        let report = try queue.complete(outcomes, claimed: claimed, routerID: routerID, retryPolicy: configuration.retryPolicy)
        if report.duplicateAcceptances > 0 {
            record(ActionError("\(report.duplicateAcceptances) acceptance(s) were already recorded; no second order was kept."))
        }
        lock.withLock {
            current.succeeded += report.succeeded.count
            current.retrying += report.retrying.count
            current.failed += report.failed.count
            current.processed += report.succeeded.count + report.retrying.count + report.failed.count
            inFlightIDs[loop] = nil
            current.inFlight = inFlightIDs.values.reduce(0) { $0 + $1.count }
            batchesWritten += 1
        }
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
            Thread {
                var index = worker
                while index < tasks.count {
                    results.set(index, routing.route(tasks[index]))
                    index += workers
                }
                group.leave()
            }.start()
        }
        group.wait()
        return results.values
    }

    private func hasUnfinishedWork(_ connection: PGConnection) throws -> Bool {
        let query: Query = """
            SELECT EXISTS (SELECT 1 FROM execution_tasks WHERE status IN ('PENDING', 'RETRYING'))
                OR EXISTS (SELECT 1 FROM execution_tasks WHERE status = 'RUNNING') AS busy
            """
        return try connection.execute(query.named("hasUnfinishedWork")).first?.decode("busy", as: Bool.self) ?? false
    }

    /// Sleeps until a notification, the poll interval, or the next task's `available_at`,
    /// whichever comes first; wakes early for a stop.
    private func waitForWork(_ listener: PGConnection, queue: TaskQueue) throws {
        var wait = configuration.pollInterval
        if let next = try queue.nextAvailableAt() {
            let untilNext = Duration.milliseconds(Int64(max(0, next.timeIntervalSinceNow) * 1000) + 1)
            wait = min(wait, untilNext)
        }
        let deadline = ContinuousClock.now + wait
        let written = lock.withLock { batchesWritten }
        while !isStopping {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return }
            if configuration.claimLoops > 1, lock.withLock({ batchesWritten }) != written { return }
            if try listener.waitForNotification(timeout: min(remaining, .milliseconds(50))) != nil {
                while try listener.nextBufferedNotification() != nil {}
                return
            }
        }
    }

    private func pause(for duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !isStopping, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }

    private func record(_ error: Error) {
        let text = (error as? DatabaseError)?.message ?? "\(error)"
        lock.withLock {
            current.lastError = text
            current.lastErrorAt = Date()
        }
    }

    // MARK: Heartbeat

    private func runHeartbeat() {
        defer { threadFinished() }
        var connection: PGConnection?
        while true {
            let (stopping, wake, inFlight, processed) = lock.withLock {
                (stopRequested, wakeHeartbeat, inFlightIDs.values.flatMap { $0 }, current.processed)
            }
            if stopping { break }
            do {
                if connection == nil { connection = try PGConnection(settings: settings) }
                guard let connection else { continue }
                try TaskQueue(connection: connection).extendLeases(inFlight, routerID: routerID, lease: configuration.lease)
                let control = try connection.execute("SELECT global_paused, paused_event_types::text AS types FROM switchyard_control WHERE id = 1").first
                let paused = try control?.decode("global_paused", as: Bool.self) ?? false
                let types = PostgresArray.parse(control?["types"] ?? "{}").compactMap { $0 }
                let beat: Query = """
                    UPDATE switchyard_routers SET heartbeat_at = now(), in_flight = \(inFlight.count), paused = \(paused),
                        processed = \(processed), stopped_at = NULL WHERE id = \(routerID)
                    """
                try connection.execute(beat.named("heartbeat"))
                lock.withLock {
                    current.paused = paused
                    current.pausedEventTypes = types
                }
            } catch {
                record(error)
                connection?.close()
                connection = nil
            }
            _ = wake.wait(timeout: .now() + configuration.heartbeatInterval.seconds)
        }
    }

}

/// Result slots filled by the worker threads of one batch.
private final class OutcomeSlots: @unchecked Sendable {
    // Safe because each index is written by exactly one worker, under `lock`, and read only
    // after every worker finished (DispatchGroup.wait).
    private let lock = NSLock()
    private var slots: [TaskOutcome?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ outcome: TaskOutcome) { lock.withLock { slots[index] = outcome } }
    var values: [TaskOutcome] { lock.withLock { slots.compactMap { $0 } } }
}
