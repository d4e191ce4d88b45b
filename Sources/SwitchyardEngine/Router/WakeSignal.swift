import FoundationEssentials

/// Wakes threads that wait for "something happened": a generation number and a condition on
/// the monotonic clock. A waiter keeps the mark it last saw and waits for anything newer, so a
/// wake-up that comes while it is busy is never lost, and several count as one.
public final class WakeSignal: @unchecked Sendable {
    // Safe because `generation` is read and written only under `condition`.
    private let condition = MonotonicCondition()
    private var generation: UInt64 = 0

    public init() {}

    /// The current mark: a wait `after` it returns as soon as anything newer happens.
    public var mark: UInt64 { condition.withLock { generation } }

    /// Blocks until something happens after `mark`, or until `timeout` passes. Returns the new
    /// mark and whether anything happened.
    @discardableResult
    public func wait(after mark: UInt64, timeout: Duration) -> (mark: UInt64, changed: Bool) {
        let deadline = MonotonicCondition.deadline(after: max(.zero, timeout))
        return condition.withLock {
            while generation == mark {
                if !condition.wait(until: deadline) { break }
            }
            return (generation, generation != mark)
        }
    }

    /// Wakes every waiter.
    public func wakeAll() {
        condition.withLock {
            generation &+= 1
            condition.broadcast()
        }
    }
}
