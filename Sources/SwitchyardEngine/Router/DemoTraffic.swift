import FoundationEssentials
import Dispatch

/// Synthetic trades for demos, tests and benchmarks: an ENTRY and its EXIT per trade, with an
/// occasional malformed payload so failures show up on the dashboard. The stream keeps each trade
/// open for `holdTime` (its EXIT is enqueued SCHEDULED that long ahead) and tries a share of its
/// ENTRYs only once, so a broker refusal leaves a FAILED ENTRY whose EXIT has not run: an
/// operator's retry of it goes through.
public final class DemoTraffic: @unchecked Sendable {
    // Safe because the mutable state below is only touched under `lock`.
    private let lock = Lock()
    private var running = false
    private var enqueuedCount = 0
    private var error: String?
    private var done = DispatchSemaphore(value: 0)

    public let settings: ConnectionSettings
    /// Trades (ENTRY + EXIT pairs) enqueued per second.
    public let tradesPerSecond: Double
    /// Share of trades whose ENTRY payload is malformed (0...1).
    public let malformedShare: Double
    /// How long a trade stays open: its EXIT may run this long after its ENTRY is enqueued.
    public let holdTime: Duration
    /// Share of trades whose ENTRY is tried once (`max_attempts` 1): a refusal leaves it FAILED.
    public let triedOnceShare: Double

    public init(settings: ConnectionSettings, tradesPerSecond: Double = 5, malformedShare: Double = 0.05,
                holdTime: Duration = .seconds(90), triedOnceShare: Double = 0.25) {
        self.settings = settings
        self.tradesPerSecond = max(tradesPerSecond, 0.1)
        self.malformedShare = min(max(malformedShare, 0), 1)
        self.holdTime = max(holdTime, .zero)
        self.triedOnceShare = min(max(triedOnceShare, 0), 1)
    }

    /// Tasks enqueued so far, and the last error (nil while all is well).
    public var progress: (enqueued: Int, lastError: String?) { lock.withLock { (enqueuedCount, error) } }

    /// Starts enqueueing on a thread of its own; calling it twice does nothing.
    public func start(duration: Duration? = nil) {
        let shouldStart = lock.withLock { () -> Bool in
            guard !running else { return false }
            running = true
            done = DispatchSemaphore(value: 0)
            return true
        }
        guard shouldStart else { return }
        startDedicatedThread { [self] in run(until: duration.map { ContinuousClock.now + $0 }) }
    }

    /// Stops enqueueing and waits for the thread to end.
    public func stop() {
        let (wasRunning, done) = lock.withLock { () -> (Bool, DispatchSemaphore) in
            defer { running = false }
            return (running, self.done)
        }
        if wasRunning { done.wait() }
    }

    /// Waits until a `duration` given to `start` has passed.
    public func waitUntilFinished() {
        let done = lock.withLock { self.done }
        done.wait()
        done.signal()
    }

    private func run(until end: ContinuousClock.Instant?) {
        defer { done.signal() }
        var connection: PGConnection?
        var next = 0
        let started = ContinuousClock.now
        let tick = Duration.milliseconds(100)
        var sent = 0
        while lock.withLock({ running }) {
            if let end, ContinuousClock.now >= end { break }
            let elapsed = started.duration(to: .now).seconds
            let due = Int(elapsed * tradesPerSecond) + 1 - sent
            if due > 0 {
                let tasks = trades(count: due, firstNumber: next)
                do {
                    if connection == nil { connection = try PGConnection(settings: settings) }
                    try TaskQueue(connection: connection!).enqueue(tasks)
                    next += due
                    sent += due
                    lock.withLock { enqueuedCount += tasks.count; error = nil }
                } catch {
                    lock.withLock { self.error = "\(error)" }
                    connection?.close()
                    connection = nil
                    sleepThread(for: .seconds(1))
                }
            }
            sleepThread(for: tick)
        }
        lock.withLock { running = false }
    }

    /// `count` trades of this stream's shape (its malformed share, hold time and tried-once share).
    public func trades(count: Int, firstNumber: Int = 0) -> [NewTask] {
        Self.trades(count: count, firstNumber: firstNumber, malformedShare: malformedShare,
                    exitAfter: holdTime > .zero ? holdTime : nil, triedOnceShare: triedOnceShare)
    }

    /// `count` trades as ENTRY/EXIT pairs (2 x count tasks), prices near 4150 on a 0.25 tick.
    /// A share of them (`malformedShare`, spread evenly) gets an ENTRY whose stop equals its entry;
    /// another (`triedOnceShare`, spread evenly) an ENTRY with `max_attempts` 1. With `exitAfter`
    /// each EXIT is SCHEDULED that long after the database's now.
    public static func trades(count: Int, firstNumber: Int = 0, malformedShare: Double = 0,
                              prefix: String = "DEMO", exitAfter: Duration? = nil,
                              triedOnceShare: Double = 0) -> [NewTask] {
        var tasks: [NewTask] = []
        tasks.reserveCapacity(count * 2)
        let every = spacing(malformedShare)
        let onceEvery = spacing(triedOnceShare)
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        for offset in 0..<count {
            let number = firstNumber + offset
            let trade = "\(prefix)-\(run)-\(number)"
            let long = number % 2 == 0
            let entry = 4100 + Double(number % 400) * 0.25
            let risk = Double(2 + number % 20) * 0.25
            let stop = long ? entry - risk : entry + risk
            let malformed = every != Int.max && number % every == every - 1
            let triedOnce = onceEvery != Int.max && number % onceEvery == 0
            let direction = long ? "LONG" : "SHORT"
            let entryJSON = malformed
                ? #"{"kind":"ENTRY","direction":"\#(direction)","entry_price":\#(entry),"stop_loss":\#(entry)}"#
                : #"{"kind":"ENTRY","direction":"\#(direction)","entry_price":\#(entry),"stop_loss":\#(stop),"session":"NY AM","bias":"\#(long ? "Bullish" : "Bearish")"}"#
            let exitPrice = long ? entry + risk * 2 : entry - risk * 2
            tasks.append(NewTask(unchecked: trade, eventType: .entry, payload: entryJSON, maxAttempts: triedOnce ? 1 : nil))
            var exit = NewTask(unchecked: trade, eventType: .exit,
                               payload: #"{"kind":"EXIT","exit_type":"TP","exit_price":\#(exitPrice),"final_be_mfe":1.5,"final_no_be_mfe":2.3}"#)
            exit.start = exitAfter.map(TaskStart.after)
            tasks.append(exit)
        }
        return tasks
    }

    /// One trade in every so many for a share (0: none).
    private static func spacing(_ share: Double) -> Int {
        share > 0 ? max(1, Int((1 / share).rounded())) : Int.max
    }
}
