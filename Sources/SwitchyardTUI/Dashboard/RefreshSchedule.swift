import FoundationEssentials

/// A moment on both of the runtime's clocks, as messages bring them: `date` for what the screen
/// shows, `uptime` (time since the dashboard started, on the monotonic clock) for how long
/// things take, so that a wall-clock jump (NTP, a fixed test clock) neither stops nor floods them.
public struct Moment: Equatable, Sendable {
    public var date: Date
    public var uptime: Duration
    public init(date: Date, uptime: Duration) {
        self.date = date
        self.uptime = uptime
    }
}

/// When the dashboard reads its snapshot; `update` keeps it, the runtime only ticks.
///
/// One read at a time. The next one is due an interval after the last one started; LISTEN
/// brings it sooner, bursts coalesced to one read per `coalescing`; a read asked for while one is
/// in flight (after a change) follows as soon as that one is answered. No read starts once
/// `limit` reads were answered (`--max-refreshes`).
public struct RefreshSchedule: Equatable, Sendable {
    /// Bursts of NOTIFY cause at most one read per this long.
    public static let coalescing = Duration.milliseconds(250)

    /// Reads answered so far: loaded, failed or given up.
    public private(set) var answered = 0
    /// Answers after which no read starts; nil: no limit.
    public var limit: Int?
    /// The read in flight, and when it was asked; nil when none is.
    public private(set) var outstanding: Moment?
    /// A read was asked for while one was in flight: the next starts when that one is answered.
    public private(set) var reloadWanted = false
    /// When (on `uptime`) the next read is due.
    public private(set) var nextRead: Duration = .zero
    /// When the last read started; NOTIFY coalescing counts from it.
    public private(set) var lastRead: Duration?

    public init(limit: Int? = nil) {
        self.limit = limit
    }

    /// True once `limit` reads were answered.
    public var isFinished: Bool { limit.map { answered >= $0 } ?? false }

    /// Starts a read when one is due at `now` (none in flight, the limit not reached); true when
    /// it did. The next is then due `interval` later.
    mutating func startIfDue(at now: Moment, interval: Duration) -> Bool {
        guard outstanding == nil, !isFinished, now.uptime >= nextRead else { return false }
        outstanding = now
        lastRead = now.uptime
        nextRead = now.uptime + interval
        return true
    }

    /// The read in flight was answered (with data, an error, or given up) at `now`; false when
    /// none was in flight (an answer nobody here asked for changes nothing).
    mutating func finishRead(at now: Duration) -> Bool {
        guard outstanding != nil else { return false }
        outstanding = nil
        answered += 1
        if reloadWanted {
            reloadWanted = false
            nextRead = now
        }
        return true
    }

    /// Something changed in the database: read again soon, but no sooner than `coalescing`
    /// after the last read started.
    mutating func databaseChanged(at now: Duration) {
        nextRead = min(nextRead, max(now, (lastRead ?? now) + Self.coalescing))
    }

    /// Read again now (after a change made here), or as soon as the read in flight is answered.
    mutating func readSoon(at now: Duration) {
        if outstanding == nil { nextRead = now } else { reloadWanted = true }
    }

    /// The interval changed: the next read is due no later than `interval` from `now`.
    mutating func intervalChanged(to interval: Duration, at now: Duration) {
        nextRead = min(nextRead, now + interval)
    }
}

/// A preview or a change sent to the database and not answered yet.
public struct PendingRequest: Equatable, Sendable {
    /// When it was asked.
    public var since: Moment
    /// What the status line said when it was asked ("Checking what retry would touch…").
    public var text: String
    /// Esc stops waiting for it: a preview. A change already sent cannot be called back.
    public var cancellable: Bool

    public init(since: Moment, text: String, cancellable: Bool) {
        self.since = since
        self.text = text
        self.cancellable = cancellable
    }
}
