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
    /// Reads fail since `since`: the server refuses, or the connection broke (OFFLINE). The last
    /// data stays on screen.
    case disconnected(since: Date, lastError: String)
    /// A read asked at `since` is still unanswered, or was given up unanswered, and none has been
    /// answered since: the server is there but does not answer (frozen, a network black hole).
    /// The last data stays on screen, marked stale.
    case noAnswer(since: Moment)
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
    /// When to read the snapshot, and the read in flight.
    public var refresh: RefreshSchedule
    /// A preview or change the database has not answered yet; the status line says how long.
    public var pendingRequest: PendingRequest?
    public var routerStatus: RouterStatusLine?
    /// The clock, as last told by a message; `update` never reads it.
    public var now: Date
    /// The monotonic clock (time since the dashboard started), as last told by a tick.
    public var uptime: Duration = .zero
    public var size: TerminalSize
    public var quitRequested = false

    public init(settings: DashboardSettings, refreshInterval: Duration = .seconds(1), maxRefreshes: Int? = nil,
                now: Date, size: TerminalSize = .standard) {
        self.settings = settings
        self.refreshInterval = refreshInterval
        self.refresh = RefreshSchedule(limit: maxRefreshes)
        self.now = now
        self.size = size
    }

    /// A read or a change waiting this long shows NO ANSWER, and the status line says how long
    /// it has waited. A healthy snapshot takes milliseconds, and each of its statements gives up
    /// after 2 s on the server's own timeout (`MonitorQueries.Config.statementTimeout`).
    public static let defaultNoAnswerAfter = Duration.seconds(2)
    /// This dashboard's `defaultNoAnswerAfter` (`DashboardOptions.noAnswerAfter`).
    public var noAnswerAfter = defaultNoAnswerAfter

    /// Now, on both clocks.
    public var moment: Moment { Moment(date: now, uptime: uptime) }

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

    /// Whole seconds the database has not answered, while NO ANSWER shows.
    public var unansweredFor: Duration? {
        guard case .noAnswer(let since) = connection else { return nil }
        return .seconds(max(0, Int((uptime - since.uptime).seconds)))
    }

    /// When (on `uptime`) the model next needs a tick: the next read, or, while a read or a
    /// change waits for the database, the moment its wait next shows a new second. nil: nothing
    /// is due (the limit of reads was reached and nothing waits).
    public var nextTickDue: Duration? {
        func nextSecond(of wait: Moment) -> Duration {
            let waited = uptime - wait.uptime
            guard waited >= noAnswerAfter else { return wait.uptime + noAnswerAfter }
            return wait.uptime + .seconds(Int(waited.seconds) + 1)
        }
        var due: [Duration] = []
        if let read = refresh.outstanding {
            due.append(nextSecond(of: read))
        } else if !refresh.isFinished {
            due.append(refresh.nextRead)
        }
        if let request = pendingRequest { due.append(nextSecond(of: request.since)) }
        if case .noAnswer(let since) = connection { due.append(nextSecond(of: since)) }
        return due.min()
    }
}
