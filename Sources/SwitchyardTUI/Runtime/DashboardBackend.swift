import SwitchyardEngine

/// Everything the dashboard asks of the engine; `EngineDashboardBackend` is the database-backed
/// implementation, and tests use their own. Calls may come from any task, several at once.
///
/// Implementations must not block Swift's cooperative pool for long: `waitForChange` in
/// particular should wait on a dedicated thread or connection.
public protocol DashboardBackend: Sendable {
    /// One dashboard snapshot. `filter` is the task list's filter; the failed-tasks panel may honour it.
    func loadSnapshot(filter: TaskFilter) async throws -> DashboardSnapshot
    func loadTaskDetail(id: TaskID) async throws -> TaskDetail
    /// One account's open positions and newest attempts.
    func loadAccountDetail(account: String) async throws -> AccountDetail
    func listTasks(filter: TaskFilter, limit: Int) async throws -> [TaskSummary]
    /// What `action` would touch now, and the question to ask ("retry 37 FAILED ENTRY tasks?").
    func preview(_ action: OperatorAction) async throws -> ActionPreview
    /// Carries out a confirmed action. Never called in read-only mode.
    func perform(_ action: OperatorAction) async throws -> ActionReport
    /// Returns true as soon as LISTEN reports a change, false after `timeout` without one.
    func waitForChange(timeout: Duration) async throws -> Bool
    /// The embedded router's state for the header; nil when this process runs no router.
    func routerStatus() async -> RouterStatusLine?
}

/// How the dashboard runs: what it shows, how often it refreshes, how it draws.
public struct DashboardOptions: Sendable {
    public var settings: DashboardSettings
    /// The refresh interval at start (`--refresh`); `+`/`-` change it, never below 250 ms.
    public var refresh: Duration
    /// Exit after this many refreshes (`--max-refreshes`, like htop's `-n`); nil runs until quit.
    public var maxRefreshes: Int?
    /// ASCII lines and charts even when the locale is UTF-8 (`--ascii`).
    public var ascii: Bool
    /// No colours even when the terminal has them (`--no-color`; `NO_COLOR` does the same).
    public var noColor: Bool
    /// A read or change waiting this long shows NO ANSWER (`DashboardModel.defaultNoAnswerAfter`).
    public var noAnswerAfter: Duration
    /// Said on the status line when the screen opens, until another message takes its place
    /// (the live accounts the embedded router skips); nil: the key hints.
    public var startNotice: String?

    public init(settings: DashboardSettings, refresh: Duration = .seconds(1), maxRefreshes: Int? = nil,
                ascii: Bool = false, noColor: Bool = false, noAnswerAfter: Duration = DashboardModel.defaultNoAnswerAfter,
                startNotice: String? = nil) {
        self.settings = settings
        self.startNotice = startNotice
        self.noAnswerAfter = noAnswerAfter
        self.refresh = refresh
        self.maxRefreshes = maxRefreshes
        self.ascii = ascii
        self.noColor = noColor
    }
}

/// Why the dashboard stopped.
public enum DashboardExit: Equatable, Sendable {
    /// The operator pressed q.
    case quit
    /// `maxRefreshes` refreshes were shown.
    case refreshLimit
    /// SIGINT, SIGTERM or SIGHUP (the signal number).
    case signal(Int32)
}
