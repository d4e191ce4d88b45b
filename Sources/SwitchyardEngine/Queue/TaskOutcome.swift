import FoundationEssentials

/// One audit row a router writes for an attempt: one per account result, or one for the task.
public struct AttemptLog: Sendable, Equatable {
    public enum Status: String, Sendable { case success = "SUCCESS", failed = "FAILED", skipped = "SKIPPED" }
    public var taskID: TaskID
    public var account: String?
    public var status: Status
    public var responseCode: Int?
    public var message: String
    public var durationMilliseconds: Int?
    /// The order's size when an account accepted an ENTRY; nil otherwise (an EXIT closes the whole position).
    public var contracts: Int?
    public init(taskID: TaskID, account: String?, status: Status, responseCode: Int?, message: String,
                durationMilliseconds: Int? = nil, contracts: Int? = nil) {
        (self.taskID, self.account, self.status, self.responseCode, self.message, self.durationMilliseconds) =
            (taskID, account, status, responseCode, message, durationMilliseconds)
        self.contracts = contracts
    }
}

/// How an attempt ended for the task as a whole.
public struct TaskOutcome: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case succeeded
        /// Worth another attempt (an account rejected or timed out).
        case failed(String)
        /// Never worth another attempt (the payload cannot be routed): FAILED at once.
        case failedPermanently(String)
        /// An ENTRY refused because its trade's EXIT already ran: FAILED at once, like
        /// `failedPermanently`, and counted apart (`CompletionReport.refused`).
        case refused(String)
    }
    public var taskID: TaskID
    public var result: Result
    public var logs: [AttemptLog]
    /// For `.failed`: the next attempt waits at least this long (a broker's `Retry-After`)
    /// instead of the retry policy's backoff; nil: the backoff.
    public var retryNotBefore: Duration?
    public init(taskID: TaskID, result: Result, logs: [AttemptLog], retryNotBefore: Duration? = nil) {
        (self.taskID, self.result, self.logs, self.retryNotBefore) = (taskID, result, logs, retryNotBefore)
    }
}

/// What a batch completion did.
public struct CompletionReport: Sendable, Equatable {
    public var succeeded: [TaskID] = []
    public var retrying: [TaskID] = []
    public var failed: [TaskID] = []
    /// Of `failed`: ENTRYs refused because their trade's EXIT already ran.
    public var refused: [TaskID] = []
    /// Tasks no longer RUNNING under this router (dead-lettered, or rescued after the lease):
    /// their account results were still recorded, their status left alone.
    public var lost: [TaskID] = []
    /// Accepted results already recorded for that task and account (never a second order).
    public var duplicateAcceptances = 0
}
