import FoundationEssentials

/// Writes a routed batch back: every account result as an audit row and each task's new
/// status, in one statement (`TaskQueue.complete`), guarded so a task taken back meanwhile is
/// reported lost instead of overwritten.
public struct TaskCompleter: Sendable {
    public let routerID: String
    public var retryPolicy: RetryPolicy

    public init(routerID: String, retryPolicy: RetryPolicy = .default) {
        self.routerID = routerID
        self.retryPolicy = retryPolicy
    }

    /// Writes `outcomes` of the claimed `tasks` back on `connection`.
    public func runOnce(_ outcomes: [TaskOutcome], of tasks: [ClaimedTask], on connection: PGConnection) throws
        -> CompletionReport
    {
        let claimed = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        return try TaskQueue(connection: connection).complete(outcomes, claimed: claimed, routerID: routerID,
                                                              retryPolicy: retryPolicy)
    }
}
