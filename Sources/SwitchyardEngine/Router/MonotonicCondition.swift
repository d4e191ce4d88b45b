import FoundationEssentials
import Glibc

/// A mutex with a condition variable whose timed waits run on CLOCK_MONOTONIC.
///
/// `NSCondition.wait(until:)` takes a wall-clock `Date`: a host clock stepped by NTP during a
/// wait (or faked, as the clock-skew tests do) stretches that wait or skips it. A router's
/// sleeps are local durations, so they use the monotonic clock; times shared between machines
/// come from the database instead.
final class MonotonicCondition: @unchecked Sendable {
    // Safe because the pthread objects are initialised once here, destroyed once in deinit,
    // and pthreads makes them usable from any thread.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// A deadline `duration` from now on the monotonic clock.
    static func deadline(after duration: Duration) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nanoseconds = Int(now.tv_nsec) + Int(duration.components.attoseconds / 1_000_000_000)
        let seconds = Int(now.tv_sec) + Int(duration.components.seconds) + nanoseconds / 1_000_000_000
        return timespec(tv_sec: seconds, tv_nsec: nanoseconds % 1_000_000_000)
    }

    /// Waits, with the lock held (inside `withLock`), until woken or `deadline` passes.
    /// Returns false when the deadline passed. Wake-ups may be spurious: re-check the state.
    func wait(until deadline: timespec) -> Bool {
        var deadline = deadline
        return pthread_cond_timedwait(condition, mutex, &deadline) == 0
    }

    /// Wakes every waiter; call with the lock held.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
