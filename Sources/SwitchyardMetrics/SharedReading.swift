import Dispatch
import FoundationEssentials
import SwitchyardEngine

/// A value read from somewhere slow (the database), shared by concurrent callers: a reading
/// younger than `maxAge` is served from the cache, at most one read runs at a time (callers
/// arriving meanwhile wait for it), and no caller waits longer than `timeout`, even when the
/// read itself hangs (a server that stopped answering): it then gets `TimedOut`, and the read
/// goes on in the background and fills the cache when it ends.
final class SharedReading<Value: Sendable>: @unchecked Sendable {
    // Safe because every mutable property is read and written only under `lock`.
    private let lock = Lock()
    private var latest: (result: Result<Value, any Error>, at: ContinuousClock.Instant)?
    private var reading = false
    private var waiters: [UInt64: CheckedContinuation<Result<Value, any Error>, Never>] = [:]
    private var nextWaiter: UInt64 = 0

    private let read: @Sendable () async -> Result<Value, any Error>
    let maxAge: Duration
    let timeout: Duration

    struct TimedOut: Error, CustomStringConvertible {
        var timeout: Duration
        var description: String { "no answer within \(TimeSpan.format(timeout))" }
    }

    init(maxAge: Duration, timeout: Duration, read: @escaping @Sendable () async -> Result<Value, any Error>) {
        (self.maxAge, self.timeout, self.read) = (maxAge, timeout, read)
    }

    /// The cached reading when fresh enough, else the next one (or `TimedOut`).
    func value() async -> Result<Value, any Error> {
        let clock = ContinuousClock()
        return await withCheckedContinuation { continuation in
            let (cached, id, startRead): (Result<Value, any Error>?, UInt64, Bool) = lock.withLock {
                if let latest, latest.at.duration(to: clock.now) < maxAge { return (latest.result, 0, false) }
                nextWaiter += 1
                waiters[nextWaiter] = continuation
                let start = !reading
                reading = true
                return (nil, nextWaiter, start)
            }
            if let cached {
                continuation.resume(returning: cached)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds) { [self] in
                let waiter = lock.withLock { waiters.removeValue(forKey: id) }
                waiter?.resume(returning: .failure(TimedOut(timeout: timeout)))
            }
            if startRead {
                Task.detached { [self] in
                    let result = await read()
                    let waiting = lock.withLock {
                        latest = (result, clock.now)
                        reading = false
                        defer { waiters = [:] }
                        return waiters.values
                    }
                    waiting.forEach { $0.resume(returning: result) }
                }
            }
        }
    }
}
