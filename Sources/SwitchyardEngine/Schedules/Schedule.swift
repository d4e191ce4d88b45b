import FoundationEssentials

/// The primary key of `switchyard_schedules`.
public typealias ScheduleID = Int64

/// A schedule to add: the task each run enqueues, and when it runs.
public struct NewSchedule: Sendable, Equatable {
    public var name: String
    public var timing: ScheduleTiming
    public var eventType: EventType
    /// The payload JSON of each run's task, checked as `enqueue` checks it.
    public var payload: String
    public var maxAttempts: Int?
    public var catchUp: CatchUpPolicy

    public init(name: String, timing: ScheduleTiming, eventType: EventType, payload: String,
                maxAttempts: Int? = nil, catchUp: CatchUpPolicy = .latest) {
        (self.name, self.timing, self.eventType, self.payload) = (name, timing, eventType, payload)
        (self.maxAttempts, self.catchUp) = (maxAttempts, catchUp)
    }

    /// Names are 1 to 64 letters, digits, `.`, `_` or `-`: each run's trade id is the name, a
    /// dash and the run's time (`NAME-20261130T153000Z`), within the 100 characters of a trade id.
    public static func checkName(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || "._-".unicodeScalars.contains($0)) }
        guard !name.isEmpty, name.count <= 64, allowed else {
            throw ScheduleError("\"\(name)\" cannot name a schedule: use 1 to 64 letters, digits, \".\", \"_\" or \"-\".")
        }
    }

    /// The trade id of the run at `runAt`: `NAME-YYYYMMDDTHHMMSSZ` (UTC).
    public static func tradeID(name: String, runAt: Date) -> String {
        let text = PostgresTime.format(runAt)  // "2026-11-30 15:30:00.000000+00"
        let digits = Array(text.prefix(19)).filter(\.isNumber)
        return "\(name)-\(String(digits.prefix(8)))T\(String(digits.dropFirst(8)))Z"
    }
}

/// A schedule as stored, with its figures.
public struct Schedule: Sendable, Equatable, Identifiable {
    public var id: ScheduleID
    public var name: String
    public var timing: ScheduleTiming
    public var eventType: EventType
    public var payload: String
    public var maxAttempts: Int
    public var catchUp: CatchUpPolicy
    public var paused: Bool
    public var nextRunAt: Date
    public var lastRunAt: Date?
    public var createdAt: Date
    public var createdBy: String
    public var removedAt: Date?
    public var figures: ScheduleFigures

    public init(id: ScheduleID, name: String, timing: ScheduleTiming, eventType: EventType, payload: String, maxAttempts: Int,
                catchUp: CatchUpPolicy, paused: Bool, nextRunAt: Date, lastRunAt: Date?, createdAt: Date, createdBy: String,
                removedAt: Date?, figures: ScheduleFigures) {
        (self.id, self.name, self.timing, self.eventType, self.payload) = (id, name, timing, eventType, payload)
        (self.maxAttempts, self.catchUp, self.paused, self.nextRunAt, self.lastRunAt) = (maxAttempts, catchUp, paused, nextRunAt, lastRunAt)
        (self.createdAt, self.createdBy, self.removedAt, self.figures) = (createdAt, createdBy, removedAt, figures)
    }

    /// The runs the list shows first: active by next run, then paused, then removed.
    public static func displayOrder(_ lhs: Schedule, _ rhs: Schedule) -> Bool {
        let rank = { (schedule: Schedule) in schedule.removedAt != nil ? 2 : schedule.paused ? 1 : 0 }
        if rank(lhs) != rank(rhs) { return rank(lhs) < rank(rhs) }
        return lhs.nextRunAt != rhs.nextRunAt ? lhs.nextRunAt < rhs.nextRunAt : lhs.id < rhs.id
    }

    public var state: String { removedAt != nil ? "removed" : paused ? "paused" : "active" }
}

/// What a schedule's tasks did, as the strategy system keeps it: over its most recent
/// `ScheduleFigures.window` tasks.
public struct ScheduleFigures: Sendable, Equatable {
    /// Tasks the figures cover.
    public static let window = 1000
    public var tasks = 0
    public var successes = 0
    /// FAILED or DEAD.
    public var errors = 0
    /// Not finished yet (PENDING, RUNNING, RETRYING, HELD).
    public var unfinished = 0
    /// Mean of claim to finish over the finished tasks; nil when none finished.
    public var averageExecutionMilliseconds: Double?
    /// Runs recorded as missed (catch-up `latest` or `none`).
    public var missed = 0
    public init() {}
}

/// One run of a schedule, as recorded in `switchyard_schedule_runs`.
public struct ScheduleRun: Sendable, Equatable {
    public enum Outcome: String, Sendable { case enqueued = "ENQUEUED", missed = "MISSED", runNow = "RUN_NOW" }
    public var scheduleID: ScheduleID
    public var runAt: Date
    public var outcome: Outcome
    public var taskID: TaskID?
    public var taskStatus: TaskStatus?
    public var routerID: String?
    public var createdAt: Date?
}

/// One row of a schedule's audit trail.
public struct ScheduleLogEntry: Sendable, Equatable {
    public var action: String
    public var actor: String
    public var detail: String?
    public var createdAt: Date
}
