import CoreMetrics
import FoundationEssentials

/// What a router counts about its own work, through swift-metrics: the engine says what
/// happened and knows no exposition format and no HTTP server. Whoever hosts the router
/// bootstraps a factory (the command line's `--metrics-listen` installs Prometheus'); without
/// one, swift-metrics' default discards everything at the cost of a virtual call.
///
/// Handles are made once, when the router is made, so the hot path never looks a metric up by
/// name: a claim, a batch and an order each cost an atomic add or a short lock.
public struct RouterMetrics: Sendable {
    /// Every metric the router emits, with its Prometheus help text: one list, which the
    /// exposition and docs/operations.md follow.
    public enum Name {
        public static let tasksClaimed = "switchyard_tasks_claimed_total"
        public static let tasksFinished = "switchyard_task_attempts_finished_total"
        public static let tasksRecovered = "switchyard_tasks_recovered_total"
        public static let entriesRefused = "switchyard_entries_refused_total"
        public static let attempts = "switchyard_attempts_total"
        public static let attemptDuration = "switchyard_attempt_duration_seconds"
        public static let inFlight = "switchyard_tasks_in_flight"
        public static let orderConflicts = "switchyard_order_conflicts_total"
    }

    public static let help: [String: String] = [
        Name.tasksClaimed: "Tasks this process claimed (one per task and attempt).",
        Name.tasksFinished: "Task attempts this process wrote back, by the status they left the task in (SUCCESS, RETRYING, FAILED).",
        Name.tasksRecovered: "Tasks this process took back from routers whose lease expired.",
        Name.entriesRefused: "ENTRY tasks this process refused to route because their trade's EXIT already ran (sent nowhere, FAILED at once).",
        Name.attempts: "Orders routed to an account and recorded in the audit trail, by account and outcome (SUCCESS, FAILED, SKIPPED).",
        Name.attemptDuration: "Time to send one order to one account and get its answer, in seconds.",
        Name.inFlight: "Tasks this process holds claimed right now.",
        Name.orderConflicts: "Orders a broker answered 409 (their idempotency key already used for a different order), by account: the task is FAILED and an operator must look.",
    ]

    /// Buckets of `switchyard_attempt_duration_seconds`: a dry-run order takes microseconds, a
    /// broker's answer tens of milliseconds to seconds.
    public static let attemptDurationBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    private let factory: any MetricsFactory
    private let claimed: Counter
    private let finished: [TaskStatus: Counter]
    private let recovered: Counter
    private let refused: Counter
    private let inFlight: Gauge
    /// Per known account: one counter per outcome, and the duration histogram.
    private let accounts: [String: AccountHandles]

    private struct AccountHandles: Sendable {
        var outcomes: [AttemptLog.Status: Counter]
        var duration: CoreMetrics.Timer
        var conflicts: Counter
    }

    /// Handles for `accounts` (names of the configured accounts) made by `factory`, by default
    /// whatever `MetricsSystem` was bootstrapped with.
    public init(accounts: [String] = [], factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        claimed = Counter(label: Name.tasksClaimed, dimensions: [], factory: factory)
        finished = Dictionary(uniqueKeysWithValues: [TaskStatus.success, .retrying, .failed].map {
            ($0, Counter(label: Name.tasksFinished, dimensions: [("status", $0.rawValue)], factory: factory))
        })
        recovered = Counter(label: Name.tasksRecovered, dimensions: [], factory: factory)
        refused = Counter(label: Name.entriesRefused, dimensions: [], factory: factory)
        inFlight = Gauge(label: Name.inFlight, dimensions: [], factory: factory)
        var handles: [String: AccountHandles] = [:]
        for account in Set(accounts) { handles[account] = Self.handles(account, factory: factory) }
        self.accounts = handles
    }

    private static func handles(_ account: String, factory: any MetricsFactory) -> AccountHandles {
        let outcomes = Dictionary(uniqueKeysWithValues: [AttemptLog.Status.success, .failed, .skipped].map {
            ($0, Counter(label: Name.attempts, dimensions: [("account", account), ("outcome", $0.rawValue)], factory: factory))
        })
        return AccountHandles(outcomes: outcomes,
                              duration: CoreMetrics.Timer(label: Name.attemptDuration, dimensions: [("account", account)], factory: factory),
                              conflicts: Counter(label: Name.orderConflicts, dimensions: [("account", account)], factory: factory))
    }

    /// An account the configuration did not name (an EXIT for an account since removed) gets
    /// its handles on the spot; the factory returns the same series each time.
    private func handles(_ account: String) -> AccountHandles {
        accounts[account] ?? Self.handles(account, factory: factory)
    }

    func claimed(_ count: Int) {
        if count > 0 { claimed.increment(by: count) }
    }

    func recovered(_ count: Int) {
        if count > 0 { recovered.increment(by: count) }
    }

    func inFlight(_ count: Int) {
        inFlight.record(count)
    }

    /// One order's round trip to an account.
    func sent(to account: String, in elapsed: Duration) {
        handles(account).duration.recordNanoseconds(elapsed.nanoseconds)
    }

    /// A broker answered 409 for an order of `account`.
    func conflict(account: String) {
        handles(account).conflicts.increment()
    }

    /// A written-back batch: each task's new status (a refused ENTRY counts as FAILED and as
    /// refused) and each account row of the audit trail.
    /// Rows about the task as a whole (a payload no account could take) have no account and
    /// are counted by status only.
    func completed(_ report: CompletionReport, logs: some Sequence<AttemptLog>) {
        if !report.succeeded.isEmpty { finished[.success]?.increment(by: report.succeeded.count) }
        if !report.retrying.isEmpty { finished[.retrying]?.increment(by: report.retrying.count) }
        if !report.failed.isEmpty { finished[.failed]?.increment(by: report.failed.count) }
        if !report.refused.isEmpty { refused.increment(by: report.refused.count) }
        for log in logs {
            guard let account = log.account else { continue }
            handles(account).outcomes[log.status]?.increment()
        }
    }
}

extension Duration {
    /// The whole nanoseconds in this duration, saturating at Int64's range.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
