import FoundationEssentials

/// Writes a routed batch back: every account result as an audit row and each task's new
/// status, in one statement (`TaskQueue.complete`), guarded so a task taken back meanwhile is
/// reported lost instead of overwritten.
public struct TaskCompleter: Sendable {
    public let routerID: String
    public var retryPolicy: RetryPolicy
    /// Counts what each written batch did: tasks by new status, audit rows by account and outcome.
    public let metrics: RouterMetrics

    public init(routerID: String, retryPolicy: RetryPolicy = .default, metrics: RouterMetrics = RouterMetrics()) {
        self.routerID = routerID
        self.retryPolicy = retryPolicy
        self.metrics = metrics
    }

    /// Writes `outcomes` of the claimed `tasks` back on `connection`.
    public func runOnce(_ outcomes: [TaskOutcome], of tasks: [ClaimedTask], on connection: PGConnection) throws
        -> CompletionReport
    {
        let claimed = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        let report = try TaskQueue(connection: connection).complete(outcomes, claimed: claimed, routerID: routerID,
                                                                    retryPolicy: retryPolicy)
        metrics.completed(report, logs: outcomes.lazy.flatMap(\.logs))
        return report
    }
}
