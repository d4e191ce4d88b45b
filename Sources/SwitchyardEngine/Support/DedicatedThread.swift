import Dispatch
import Glibc

/// Starts `body` on a thread of its own (a pthread), outside Swift's cooperative pool: for
/// loops that block in poll() or libpq.
///
/// Foundation's `Thread` would do the same; see `Lock` for why the engine does not import it.
public func startDedicatedThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {   // handed to exactly one new thread
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { pointer in
        let box = Unmanaged<AnyObject>.fromOpaque(pointer!).takeRetainedValue() as! Box
        box.body()
        return nil
    }, box)
    precondition(result == 0, "pthread_create failed (\(result)): out of threads or memory")
    pthread_detach(thread)
}

/// Blocks the calling thread for `duration` (a dedicated thread's pause, never in async code).
public func sleepThread(for duration: Duration) {
    let (seconds, attoseconds) = duration.components
    guard seconds > 0 || attoseconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Runs `body` on a thread of its own and waits at most `bound` for it to return; true when it
/// did. What is still running after that goes on alone: for a stop that must not wait on a
/// database that does not answer, when the process is about to exit anyway.
public func runOnDedicatedThread(waitingAtMost bound: Duration, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    startDedicatedThread {
        body()
        done.signal()
    }
    return done.wait(timeout: .now() + .milliseconds(bound.milliseconds)) == .success
}
