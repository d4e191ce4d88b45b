import FoundationEssentials

/// Everything one dashboard frame shows, read in one short read-only transaction.
///
/// A part that could not be read (timed out, or needs columns an un-migrated database lacks)
/// is `nil` with the reason in `unavailable`, so the rest still shows.
public struct DashboardSnapshot: Equatable, Sendable {
    /// The server's clock when the snapshot was read; ages are relative to it.
    public var takenAt: Date
    public var queue: QueueDepth?
    public var rates: ProcessingRates?
    public var recentLogs: [LogEntry]?
    public var failedTasks: [TaskSummary]?
    public var deadTasks: [TaskSummary]?
    public var heldTasks: [TaskSummary]?
    /// One row per configured or seen account, by name.
    public var accounts: [AccountFigures]?
    public var routers: [RouterInfo]?
    public var control: ControlState?
    /// Every schedule that is not removed, next runs first, with its figures.
    public var schedules: [Schedule]?
    /// Alert rules, what is firing and the latest history (migration 9).
    public var alerts: AlertsState?
    /// The accounts a per-account observer role sees (row-level security hides the rest); nil
    /// for every other role.
    public var observedAccounts: [String]?
    /// Part name ("rates", "routers", ...) to why it is missing or stale.
    public var unavailable: [String: String]
    /// The filter the failed, dead and held lists were read with.
    public var filter: TaskFilter

    public init(takenAt: Date, queue: QueueDepth? = nil, rates: ProcessingRates? = nil,
                recentLogs: [LogEntry]? = nil, failedTasks: [TaskSummary]? = nil,
                deadTasks: [TaskSummary]? = nil, heldTasks: [TaskSummary]? = nil,
                accounts: [AccountFigures]? = nil, routers: [RouterInfo]? = nil, control: ControlState? = nil,
                schedules: [Schedule]? = nil, alerts: AlertsState? = nil,
                unavailable: [String: String] = [:], filter: TaskFilter = TaskFilter()) {
        self.accounts = accounts
        self.takenAt = takenAt
        self.queue = queue
        self.rates = rates
        self.recentLogs = recentLogs
        self.failedTasks = failedTasks
        self.deadTasks = deadTasks
        self.heldTasks = heldTasks
        self.routers = routers
        self.control = control
        self.schedules = schedules
        self.alerts = alerts
        self.unavailable = unavailable
        self.filter = filter
    }
}

/// Tasks per status, and how long the oldest eligible task has waited.
public struct QueueDepth: Equatable, Sendable {
    public var counts: [TaskStatus: Int]
    /// Age of the oldest PENDING/RETRYING task whose `available_at` has passed; nil when none.
    public var oldestEligibleAge: TimeInterval?
    /// Statuses whose count is an estimate from the planner's statistics (too many rows to
    /// count on every refresh, typically SUCCESS); the others are exact.
    public var estimated: Set<TaskStatus>
    /// Of the PENDING tasks, those SCHEDULED: waiting for a time still in the future (`--at`,
    /// `--in`). The lag ignores them; they are in `counts[.pending]`.
    public var scheduled: Int
    public init(counts: [TaskStatus: Int], oldestEligibleAge: TimeInterval?, estimated: Set<TaskStatus> = [], scheduled: Int = 0) {
        self.scheduled = scheduled
        self.counts = counts
        self.oldestEligibleAge = oldestEligibleAge
        self.estimated = estimated
    }
    public func count(_ status: TaskStatus) -> Int { counts[status] ?? 0 }
}

/// Succeeded and failed attempts per minute for the last hour, oldest minute first.
public struct ProcessingRates: Equatable, Sendable {
    public struct Minute: Equatable, Sendable {
        public var start: Date
        public var succeeded: Int
        public var failed: Int
        public init(start: Date, succeeded: Int, failed: Int) {
            self.start = start
            self.succeeded = succeeded
            self.failed = failed
        }
    }
    /// Exactly 60 buckets; minutes without activity are zero.
    public var minutes: [Minute]
    /// Attempts finished per second over the last few seconds.
    public var currentPerSecond: Double
    public init(minutes: [Minute], currentPerSecond: Double) {
        self.minutes = minutes
        self.currentPerSecond = currentPerSecond
    }
    /// Attempts that succeeded in the last hour (the sum of the buckets).
    public var lastHourSucceeded: Int { minutes.reduce(0) { $0 + $1.succeeded } }
    /// Attempts that failed in the last hour.
    public var lastHourFailed: Int { minutes.reduce(0) { $0 + $1.failed } }
}

/// One audit row joined with its task.
public struct LogEntry: Equatable, Sendable, Identifiable {
    public var id: Int
    public var taskID: TaskID
    public var tradeID: String
    public var eventType: EventType
    /// ATTEMPT, RECOVERED, RETRY_REQUESTED, ...; nil on a database Switchyard never migrated.
    public var event: String?
    public var account: String?
    public var status: String
    public var responseCode: Int?
    public var message: String?
    public var actor: String?
    public var routerID: String?
    public var durationMilliseconds: Int?
    public var createdAt: Date
    /// The task's status when the row was read (the row's own `status` is the attempt's outcome).
    public var taskStatus: TaskStatus?
    public init(id: Int, taskID: TaskID, tradeID: String, eventType: EventType, event: String?, account: String?,
                status: String, responseCode: Int?, message: String?, actor: String?, routerID: String?,
                durationMilliseconds: Int?, createdAt: Date, taskStatus: TaskStatus? = nil) {
        self.id = id
        self.taskID = taskID
        self.tradeID = tradeID
        self.eventType = eventType
        self.event = event
        self.account = account
        self.status = status
        self.responseCode = responseCode
        self.message = message
        self.actor = actor
        self.routerID = routerID
        self.durationMilliseconds = durationMilliseconds
        self.createdAt = createdAt
        self.taskStatus = taskStatus
    }
}

/// A task as lists show it.
public struct TaskSummary: Equatable, Sendable, Identifiable {
    public var id: TaskID
    public var tradeID: String
    public var eventType: EventType
    public var status: TaskStatus
    public var attempts: Int
    public var maxAttempts: Int?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date?
    public init(id: TaskID, tradeID: String, eventType: EventType, status: TaskStatus, attempts: Int,
                maxAttempts: Int?, lastError: String?, createdAt: Date, updatedAt: Date?) {
        self.id = id
        self.tradeID = tradeID
        self.eventType = eventType
        self.status = status
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One task with its payload and whole audit trail (the task detail view).
public struct TaskDetail: Equatable, Sendable {
    public var summary: TaskSummary
    /// The payload as stored (JSON text), nil when the seed system wrote none.
    public var payload: String?
    public var availableAt: Date?
    public var lockedBy: String?
    public var lockedUntil: Date?
    public var finishedAt: Date?
    public var deadLetterReason: String?
    /// Oldest first.
    public var auditTrail: [LogEntry]
    public init(summary: TaskSummary, payload: String?, availableAt: Date?, lockedBy: String?, lockedUntil: Date?,
                finishedAt: Date?, deadLetterReason: String?, auditTrail: [LogEntry]) {
        self.summary = summary
        self.payload = payload
        self.availableAt = availableAt
        self.lockedBy = lockedBy
        self.lockedUntil = lockedUntil
        self.finishedAt = finishedAt
        self.deadLetterReason = deadLetterReason
        self.auditTrail = auditTrail
    }
}

/// A router process seen recently.
public struct RouterInfo: Equatable, Sendable, Identifiable {
    /// Live by the one rule (`RouterLiveness`), on the database's clock when the snapshot was taken.
    public var isLive: Bool
    public var id: String
    public var host: String
    public var pid: Int
    public var startedAt: Date
    public var heartbeatAt: Date
    public var stoppedAt: Date?
    public var dryRun: Bool
    public var paused: Bool
    public var inFlight: Int
    public var processed: Int
    public init(id: String, host: String, pid: Int, startedAt: Date, heartbeatAt: Date, stoppedAt: Date?,
                dryRun: Bool, paused: Bool, inFlight: Int, processed: Int, isLive: Bool) {
        self.isLive = isLive
        self.id = id
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.stoppedAt = stoppedAt
        self.dryRun = dryRun
        self.paused = paused
        self.inFlight = inFlight
        self.processed = processed
    }
}

/// The router-wide switches every router obeys.
public struct ControlState: Equatable, Sendable {
    public var globalPaused: Bool
    public var pausedEventTypes: [String]
    public var changedBy: String?
    public var changedAt: Date?
    public var reason: String?
    public init(globalPaused: Bool, pausedEventTypes: [String], changedBy: String?, changedAt: Date?, reason: String?) {
        self.globalPaused = globalPaused
        self.pausedEventTypes = pausedEventTypes
        self.changedBy = changedBy
        self.changedAt = changedAt
        self.reason = reason
    }
}

/// The alerts part: the rules (targets redacted), what is firing now, and the latest history.
public struct AlertsState: Equatable, Sendable {
    public var rules: [AlertRuleSummary]
    public var firing: [FiringAlert]
    /// Newest first.
    public var history: [AlertHistoryEntry]
    public init(rules: [AlertRuleSummary], firing: [FiringAlert], history: [AlertHistoryEntry]) {
        (self.rules, self.firing, self.history) = (rules, firing, history)
    }
}
