/// A change an operator asks for, from the dashboard or `switchyard tasks`. Every one is
/// guarded by the state it expects, audited with the actor, and deletes nothing.
public enum OperatorAction: Equatable, Sendable {
    /// FAILED/DEAD/RETRYING/HELD -> PENDING, available now.
    case retry([TaskID])
    /// The same for every task the filter matches (statuses default to FAILED).
    case retryMatching(TaskFilter)
    /// Any unfinished or FAILED task -> DEAD, with the reason kept; never retried.
    case deadLetter([TaskID], reason: String)
    /// PENDING/RETRYING/FAILED -> HELD, the state it was held from kept.
    case hold([TaskID])
    /// HELD -> the state it was held from: a FAILED task stays finished (held only to keep it out
    /// of retry-all), a waiting one waits again; a task whose start time is still to come
    /// (SCHEDULED) keeps it. Held before that state was kept (before migration 13): PENDING.
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

    /// "retried", "dead-lettered", ... for messages.
    public var pastParticiple: String {
        switch self {
        case .retry, .retryMatching: "retried"
        case .deadLetter: "dead-lettered"
        case .hold: "held"
        case .resume, .resumeRouter, .resumeEventType: "resumed"
        case .pauseRouter, .pauseEventType: "paused"
        case .schedule(_, let change): change.verb
        }
    }
}

/// Why an action left a task alone.
public enum SkipReason: Hashable, Sendable {
    /// Its status at the time does not allow the action (its state moved on, or never allowed it).
    case status(TaskStatus)
    /// A retry of an ENTRY whose trade's EXIT already ran: refused, as the router itself refuses
    /// it (a position must never open after its exit).
    case exitAlreadyRan
    /// No task has that id.
    case notFound

    /// "refused 9 because their trade's EXIT already ran", "skipped 1 that is SUCCESS": how a
    /// summary names `count` tasks left alone for this reason.
    func phrase(count: Int) -> String {
        let one = count == 1
        switch self {
        case .exitAlreadyRan: return "refused \(count) because \(one ? "its" : "their") trade's EXIT already ran"
        case .status(let status): return "skipped \(count) that \(one ? "is" : "are") \(status.rawValue)"
        case .notFound: return "skipped \(count) that \(one ? "does" : "do") not exist"
        }
    }

    /// Summaries list refusals first, then statuses in lifecycle order, then unknown ids.
    fileprivate var rank: Int {
        switch self {
        case .exitAlreadyRan: 0
        case .status(let status): 1 + (TaskStatus.known.firstIndex(of: status) ?? TaskStatus.known.count)
        case .notFound: 2 + TaskStatus.known.count
        }
    }
}

/// What an action did: the tasks it changed, and those it left alone, each with the reason.
public struct ActionReport: Equatable, Sendable {
    public var action: OperatorAction
    public var changed: [TaskID]
    public var skipped: [TaskID: SkipReason]

    /// What the action did beyond its count, in words: a schedule change's
    /// (`ScheduleBook.ChangeReport.summary`), or where resumed tasks went.
    public var note: String?

    public init(action: OperatorAction, changed: [TaskID], skipped: [TaskID: SkipReason], note: String? = nil) {
        self.action = action
        self.changed = changed
        self.skipped = skipped
        self.note = note
    }

    /// Ids shown per reason in a summary; more are counted, not listed.
    static let examplesPerReason = 3

    /// "Retried 2 tasks; refused 9 because their trade's EXIT already ran (#3, #5, #8, ...);
    /// skipped 1 that is SUCCESS (#12)."
    public var summary: String {
        switch action {
        case .retry, .retryMatching, .deadLetter, .hold, .resume: break
        case .pauseRouter: return "Paused every router."
        case .resumeRouter: return "Resumed every router."
        case .pauseEventType(let type, _): return "Paused \(type.rawValue) tasks on every router."
        case .resumeEventType(let type): return "Resumed \(type.rawValue) tasks on every router."
        case .schedule(let name, _): return "Schedule \(name): \(note ?? "done.")"
        }
        let past = action.pastParticiple.prefix(1).uppercased() + action.pastParticiple.dropFirst()
        var parts = ["\(past) \(changed.count) task\(changed.count == 1 ? "" : "s")"]
        if let note { parts[0] += " (\(note))" }
        let groups = Dictionary(grouping: skipped.keys) { skipped[$0]! }
        for (reason, ids) in groups.sorted(by: { $0.key.rank < $1.key.rank || ($0.key.rank == $1.key.rank && "\($0.key)" < "\($1.key)") }) {
            let sorted = ids.sorted()
            let shown = sorted.prefix(Self.examplesPerReason).map(\.description).joined(separator: ", ")
            parts.append(reason.phrase(count: ids.count) + " (\(shown)\(ids.count > Self.examplesPerReason ? ", ..." : ""))")
        }
        return parts.joined(separator: "; ") + "."
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
