import FoundationEssentials
import SwitchyardEngine

/// Something that happened: a key, a timer, or the outcome of an effect.
public enum DashboardMessage: Equatable, Sendable {
    case key(Key)
    /// A refresh is due; `Date` is the clock now.
    case tick(Date)
    case snapshotLoaded(DashboardSnapshot, at: Date)
    case snapshotFailed(String, at: Date)
    case taskListLoaded([TaskSummary])
    case taskDetailLoaded(TaskDetail)
    case accountDetailLoaded(AccountDetail)
    /// A task list or task detail read failed.
    case loadFailed(String)
    case previewLoaded(ActionPreview)
    case actionCompleted(ActionReport)
    case actionFailed(String)
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
    /// The refresh interval changed: the next refresh is due after this long.
    case scheduleRefresh(after: Duration)
    case quit
}
