import FoundationEssentials

/// The router-wide switches: pause and resume every router, or only ENTRY or only EXIT tasks.
/// They live in the control row, so every router on every machine obeys within one poll
/// interval; each change is recorded in `switchyard_control_log` with the actor.
///
/// Not thread-safe (it uses one connection); from async code, call it through
/// `DatabaseClient.perform(_:actor:)` and `DatabaseClient.preview(_:)`.
public struct RouterSwitches {
    public let connection: PGConnection
    public init(connection: PGConnection) { self.connection = connection }

    /// Waiting and running tasks are counted up to this many; beyond, the preview says "more than".
    static let previewCountLimit = 10_000

    /// Flips the switch `action` names, as `actor`, in one transaction with its audit row.
    @discardableResult
    public func perform(_ action: OperatorAction, actor: String) throws -> ActionReport {
        switch action {
        case .pauseRouter(let reason):
            try setControl(action: "PAUSE", eventType: nil, actor: actor, reason: reason, change: "global_paused = true")
        case .resumeRouter:
            try setControl(action: "RESUME", eventType: nil, actor: actor, reason: nil, change: "global_paused = false")
        case .pauseEventType(let type, let reason):
            try setControl(action: "PAUSE", eventType: type, actor: actor, reason: reason,
                           change: "paused_event_types = array_append(array_remove(paused_event_types, \(type.rawValue)), \(type.rawValue))")
        case .resumeEventType(let type):
            try setControl(action: "RESUME", eventType: type, actor: actor, reason: nil,
                           change: "paused_event_types = array_remove(paused_event_types, \(type.rawValue))")
        case .retry, .retryMatching, .deadLetter, .hold, .resume, .schedule:
            throw ActionError("\(action.verb) is not a router-wide switch.")
        }
        return ActionReport(action: action, changed: [], skipped: [:])
    }

    /// Applies `change`, an assignment to the control row carrying its own parameters.
    private func setControl(action: String, eventType: EventType?, actor: String, reason: String?, change: Query) throws {
        try connection.transaction { connection in
            let update: Query = """
                UPDATE switchyard_control SET \(change), changed_by = \(actor), changed_at = now(), reason = \(reason)
                WHERE id = 1
                """
            try connection.execute(update.named("setControl"))
            let log: Query = """
                INSERT INTO switchyard_control_log (action, event_type, actor, reason)
                VALUES (\(action), \(eventType?.rawValue), \(actor), \(reason))
                """
            try connection.execute(log.named("auditControl"))
        }
    }
}
