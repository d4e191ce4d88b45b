import FoundationEssentials
import SwitchyardEngine

/// Which screen is showing.
public enum DashboardView: Hashable, Sendable {
    case dashboard, taskList, taskDetail(TaskID), routers, accounts, accountDetail(String), alerts, schedules, help
}

/// The dashboard panels Tab moves between (the others are display only). The routers have a
/// view of their own (key 3) and the header's router count.
public enum DashboardPanel: Hashable, Sendable, CaseIterable {
    case failedTasks, recentLogs, accounts
}

/// Whether the last read reached the database.
public enum ConnectionState: Equatable, Sendable {
    case connecting
    case connected
    /// Reads fail since `since`; the last data stays on screen.
    case disconnected(since: Date, lastError: String)
}

/// The embedded router's state for the header; nil in the model when none runs in this process.
public struct RouterStatusLine: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        case running, paused, stopped
        case failed(String)
    }
    public var state: State
    public var dryRun: Bool
    public init(state: State, dryRun: Bool) {
        self.state = state
        self.dryRun = dryRun
    }
}

/// Everything the screen shows, and nothing else: `update` changes it, `view` draws it.
public struct DashboardModel: Equatable, Sendable {
    public var settings: DashboardSettings
    public var view: DashboardView = .dashboard
    /// Views to go back to with Esc or q, most recent last.
    public var backStack: [DashboardView] = []
    public var focus: DashboardPanel = .failedTasks
    /// The cursor of every list, each on an item by its id.
    public var cursors = ListCursors()
    /// First line shown in the views that scroll: task and account detail, routers, help.
    public var scroll = 0
    /// Tasks marked with Space to act on together.
    public var marked: Set<TaskID> = []
    /// The task list's filter; `R` retries the FAILED tasks it matches.
    public var filter = TaskFilter()
    /// The dialog or text field on top of the screen, or the preview being waited for.
    public var modal: Modal?
    public var status: StatusMessage?
    /// The last error in full, for `e` once the status line has moved on.
    public var lastError: StatusMessage?
    public var snapshot: DashboardSnapshot?
    /// Local time the snapshot arrived; the header's refresh age counts from it.
    public var snapshotReceivedAt: Date?
    public var taskList: [TaskSummary]?
    public var taskDetail: TaskDetail?
    public var accountDetail: AccountDetail?
    public var connection: ConnectionState = .connecting
    public var refreshInterval: Duration
    public var routerStatus: RouterStatusLine?
    /// The clock, as last told by a message; `update` never reads it.
    public var now: Date
    public var size: TerminalSize
    public var quitRequested = false

    public init(settings: DashboardSettings, refreshInterval: Duration = .seconds(1), now: Date,
                size: TerminalSize = .standard) {
        self.settings = settings
        self.refreshInterval = refreshInterval
        self.now = now
        self.size = size
    }

    /// The shortest refresh interval `-` goes to.
    public static let refreshFloor = MonitorQueries.minimumRefreshInterval
    static let refreshSteps: [Duration] = [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
                                           .seconds(5), .seconds(10), .seconds(30), .seconds(60)]

    /// Seconds since the shown data arrived; nil before the first snapshot.
    public var dataAge: TimeInterval? {
        snapshotReceivedAt.map { max(0, now.timeIntervalSince($0)) }
    }

    /// True when the shown data is older than three refreshes (at least five seconds).
    public var isStale: Bool {
        guard let age = dataAge else { return false }
        return age > max(5, 3 * refreshInterval.seconds)
    }
}
