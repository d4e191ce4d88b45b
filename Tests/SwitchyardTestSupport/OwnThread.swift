import Foundation

/// Runs `body` on a thread of its own and waits for it without holding a thread of the
/// cooperative pool.
///
/// The pool has two threads here, and tests that wait synchronously (tmux, child processes)
/// can hold both for seconds; a wait whose moment matters (crash the server once 200 tasks are
/// done) runs here instead, so it is late only by what the operating system's scheduler adds.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
