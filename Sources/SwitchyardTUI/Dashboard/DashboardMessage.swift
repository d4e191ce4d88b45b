import FoundationEssentials
import SwitchyardEngine

/// Something that happened: a key, a timer, or the outcome of an effect.
public enum DashboardMessage: Equatable, Sendable {
    case key(Key)
    /// The clocks, at every wake of the runtime: `Date` for what the screen shows, `uptime` (time
    /// since the dashboard started, on the monotonic clock) for when to read and how long a read
    /// has waited. `update` starts a refresh when one is due.
    case tick(Date, uptime: Duration)
    /// LISTEN reported a change: refresh soon (bursts coalesced).
    case databaseChanged
    case snapshotLoaded(DashboardSnapshot, at: Date)
    /// The snapshot read failed: the server refused, or the connection broke (OFFLINE).
    case snapshotFailed(String, at: Date)
    /// The snapshot read was given up: the server did not answer in time (NO ANSWER).
    case snapshotUnanswered(String, at: Date)
    case taskListLoaded([TaskSummary])
    case taskDetailLoaded(TaskDetail)
    case accountDetailLoaded(AccountDetail)
    /// A task list or task detail read failed.
    case loadFailed(String)
    case previewLoaded(ActionPreview)
    case actionCompleted(ActionReport)
    case actionFailed(String)
    /// A confirmed change was given up on: the server did not answer, so it may or may not be done.
    case actionUnanswered(String)
    case routerStatusChanged(RouterStatusLine?)
    case resized(TerminalSize)
    /// SIGINT, SIGTERM or SIGHUP.
    case interrupted
}

/// Work `update` asks the runtime to do; each outcome comes back as a message.
public enum DashboardEffect: Equatable, Sendable {
    case loadSnapshot(TaskFilter)
    case listTasks(TaskFilter, limit: Int)
    case loadTaskDetail(TaskID)
    /// One account's open positions and recent attempts; answered by `accountDetailLoaded`.
    case loadAccountDetail(String)
    /// Ask what an action would touch; answered by `previewLoaded` or `actionFailed`.
    case preview(OperatorAction)
    /// Carry out a confirmed action; answered by `actionCompleted` or `actionFailed`.
    case perform(OperatorAction)
    case quit
    /// The last refresh allowed (`--max-refreshes`) has been shown.
    case refreshLimitReached
}
