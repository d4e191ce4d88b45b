import FoundationEssentials
import SwitchyardEngine

/// The dashboard's backend over a real database: reads through the engine's monitor queries,
/// changes through its operator actions (audited with the operator's identity), wake-ups from
/// the process's one `TaskNotifier` (shared with the embedded router), and the embedded
/// router's state when one runs here.
public final class EngineDashboardBackend: DashboardBackend, @unchecked Sendable {
    // Safe because `lastMark` is read and written only under `markLock`; the rest is immutable.
    private let client: DatabaseClient
    private let notifier: TaskNotifier
    private let ownsNotifier: Bool
    private let markLock = Lock()
    private var lastMark: UInt64 = 0
    private let queries: MonitorQueries
    private let router: ExecutionRouter?
    private let readOnly: Bool
    private let actor: String

    /// `settings` decides read-only: an observer's session is read-only on the server too.
    /// `router` is the embedded router, if this process runs one; `notifier` the process's
    /// LISTEN connection, started by the caller (without one the backend runs its own). Reads and
    /// changes wait at most `answerDeadline` for the server, then fail with the no-answer error.
    public init(settings: ConnectionSettings, router: ExecutionRouter? = nil, notifier: TaskNotifier? = nil,
                actor: String = OperatorIdentity.current(), recentLogLimit: Int = 50, configuredAccounts: [Account] = [],
                answerDeadline: Duration = AnswerDeadline.dashboard) {
        client = DatabaseClient(settings: settings.answering(within: answerDeadline))
        ownsNotifier = notifier == nil
        self.notifier = notifier ?? TaskNotifier(settings: settings)
        if ownsNotifier { self.notifier.start() }
        var config = MonitorQueries.Config()
        config.recentLogLimit = recentLogLimit
        config.configuredAccounts = configuredAccounts
        // The per-minute buckets of finished minutes never change: a dashboard keeps them.
        queries = MonitorQueries(config: config, ratesCache: RatesCache())
        self.router = router
        readOnly = settings.readOnly
        self.actor = actor
    }

    public func loadSnapshot(filter: TaskFilter) async throws -> DashboardSnapshot {
        try await client.snapshot(filter: filter, queries: queries)
    }

    public func loadTaskDetail(id: TaskID) async throws -> TaskDetail {
        guard let detail = try await client.taskDetail(id: id, queries: queries) else {
            throw TaskNotFound(id)
        }
        return detail
    }

    public func loadAccountDetail(account: String) async throws -> AccountDetail {
        try await client.withConnection { [queries] in try queries.accountDetail(on: $0, account: account) }
    }

    public func listTasks(filter: TaskFilter, limit: Int) async throws -> [TaskSummary] {
        try await client.listTasks(filter: filter, limit: limit, queries: queries)
    }

    public func preview(_ action: OperatorAction) async throws -> ActionPreview {
        try refuseInReadOnly()
        return try await client.preview(action)
    }

    public func perform(_ action: OperatorAction) async throws -> ActionReport {
        try refuseInReadOnly()
        return try await client.perform(action, actor: actor)
    }

    /// True as soon as anything changed since the last call (several changes count as one),
    /// false after `timeout` without one, or while the notifier cannot listen (a hot standby,
    /// a lost connection): the refresh interval then polls.
    public func waitForChange(timeout: Duration) async throws -> Bool {
        let since = markLock.withLock { lastMark }
        let (mark, changed) = await notifier.waitForChange(after: since, timeout: timeout)
        markLock.withLock { lastMark = max(lastMark, mark) }
        return changed
    }

    public func routerStatus() async -> RouterStatusLine? {
        router.map { Self.statusLine($0.status) }
    }

    /// Closes the connections without waiting for a call in progress (the dashboard has
    /// stopped); a shared notifier is its owner's to stop.
    public func close() {
        client.close()
        if ownsNotifier { notifier.stop() }
    }

    /// The header's words for the embedded router's state.
    static func statusLine(_ status: ExecutionRouter.Status) -> RouterStatusLine {
        let state: RouterStatusLine.State
        switch status.state {
        case .starting, .running: state = status.paused ? .paused : .running
        case .stopping, .stopped: state = status.lastError.map { .failed($0) } ?? .stopped
        }
        return RouterStatusLine(state: state, dryRun: status.dryRun)
    }

    /// The update never asks for a change in observer mode; this makes sure of it.
    private func refuseInReadOnly() throws {
        guard !readOnly else {
            throw ActionError("Observer mode is read-only and cannot change tasks; start the dashboard as an operator to change them.")
        }
    }
}
