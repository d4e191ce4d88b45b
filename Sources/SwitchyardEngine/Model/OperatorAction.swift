/// A change an operator asks for, from the dashboard or `switchyard tasks`. Every one is
/// guarded by the state it expects, audited with the actor, and deletes nothing.
public enum OperatorAction: Equatable, Sendable {
    /// FAILED/DEAD/RETRYING/HELD -> PENDING, available now.
    case retry([TaskID])
    /// The same for every task the filter matches (statuses default to FAILED).
    case retryMatching(TaskFilter)
    /// Any unfinished or FAILED task -> DEAD, with the reason kept; never retried.
    case deadLetter([TaskID], reason: String)
    /// PENDING/RETRYING/FAILED -> HELD.
    case hold([TaskID])
    /// HELD -> PENDING; a task whose start time is still to come (SCHEDULED) keeps it.
    case resume([TaskID])
    /// Every router stops claiming (in-flight work finishes).
    case pauseRouter(reason: String?)
    case resumeRouter
    case pauseEventType(EventType, reason: String?)
    case resumeEventType(EventType)
    /// A schedule, by name: pause, resume or run now (`ScheduleBook.change`).
    case schedule(String, ScheduleBook.Change)

    /// True for the actions on tasks; false for the router-wide switches (pause, resume) and schedules.
    public var actsOnTasks: Bool {
        switch self {
        case .retry, .retryMatching, .deadLetter, .hold, .resume: true
        case .pauseRouter, .resumeRouter, .pauseEventType, .resumeEventType, .schedule: false
        }
    }

    /// "retry", "dead-letter", ... for messages.
    public var verb: String {
        switch self {
        case .retry, .retryMatching: "retry"
        case .deadLetter: "dead-letter"
        case .hold: "hold"
        case .resume: "resume"
        case .pauseRouter, .pauseEventType: "pause"
        case .resumeRouter, .resumeEventType: "resume"
        case .schedule(_, let change): change.verb
        }
    }
}

/// What an action did: the tasks it changed, and those it left because their state had moved on.
public struct ActionReport: Equatable, Sendable {
    public var action: OperatorAction
    public var changed: [TaskID]
    /// Task to its status at the time (or why it was refused, e.g. "EXIT already ran").
    public var skipped: [TaskID: String]

    /// What a schedule change did, in words (`ScheduleBook.ChangeReport.summary`).
    public var note: String?

    public init(action: OperatorAction, changed: [TaskID], skipped: [TaskID: String], note: String? = nil) {
        self.action = action
        self.changed = changed
        self.skipped = skipped
        self.note = note
    }

    /// "Retried 3 tasks; skipped 1 whose state had moved on (#12 is SUCCESS)."
    public var summary: String {
        let past: String
        switch action {
        case .retry, .retryMatching: past = "Retried"
        case .deadLetter: past = "Dead-lettered"
        case .hold: past = "Held"
        case .resume: past = "Resumed"
        case .pauseRouter: return "Paused every router."
        case .resumeRouter: return "Resumed every router."
        case .pauseEventType(let type, _): return "Paused \(type.rawValue) tasks on every router."
        case .resumeEventType(let type): return "Resumed \(type.rawValue) tasks on every router."
        case .schedule(let name, _): return "Schedule \(name): \(note ?? "done.")"
        }
        var text = "\(past) \(changed.count) task\(changed.count == 1 ? "" : "s")"
        if !skipped.isEmpty {
            let examples = skipped.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key) \($0.value)" }
            text += "; skipped \(skipped.count) whose state had moved on (\(examples.joined(separator: ", "))"
                + (skipped.count > 3 ? ", ..." : "") + ")"
        }
        return text + "."
    }
}

/// What an action would touch, shown before the operator confirms.
public struct ActionPreview: Equatable, Sendable {
    public var action: OperatorAction
    /// Tasks that would change now (they may still move on before the action runs); for a
    /// router-wide switch, the waiting tasks it holds back or lets go.
    public var matching: Int
    /// "retry 37 FAILED ENTRY tasks?"
    public var question: String
    /// What confirming will do, one sentence a line ("2 live routers stop claiming ...").
    public var consequences: [String]
    public init(action: OperatorAction, matching: Int, question: String, consequences: [String] = []) {
        self.action = action
        self.matching = matching
        self.question = question
        self.consequences = consequences
    }
}
