import Glibc

/// A mutual-exclusion lock (a pthread mutex), for state shared between threads.
///
/// Foundation's `NSLock` would do the same, but importing Foundation links its ICU-backed half
/// into every process (about 6 MiB resident before it is used; see docs/performance.md), so the
/// engine and the dashboard use `FoundationEssentials` and this.
///
/// `@unchecked Sendable`: the mutex is what makes sharing it safe.
public final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the lock.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
