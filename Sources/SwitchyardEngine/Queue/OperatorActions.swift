/// Every operator action, as the dashboard and `switchyard tasks` ask for it: actions on tasks
/// go to `TaskActions`, the router-wide switches to `RouterSwitches`, schedule changes to
/// `ScheduleBook`. Each is guarded by the state it expects, audited with the actor, and deletes
/// nothing.
///
/// Not thread-safe (it uses one connection); from async code, call it through
/// `DatabaseClient.perform(_:actor:)` and `DatabaseClient.preview(_:)`.
public struct OperatorActions {
    public let connection: PGConnection
    public init(connection: PGConnection) { self.connection = connection }

    /// What `action` would touch now, for the confirmation question. Changes nothing.
    public func preview(_ action: OperatorAction) throws -> ActionPreview {
        switch action {
        case .retry, .retryMatching, .deadLetter, .hold, .resume:
            return try TaskActions(connection: connection).preview(action)
        case .pauseRouter, .resumeRouter, .pauseEventType, .resumeEventType:
            return try RouterSwitches(connection: connection).preview(action)
        case .schedule(let name, let change):
            return ActionPreview(action: action, matching: 0,
                                 question: try ScheduleBook(connection: connection).question(name, change))
        }
    }

    /// Performs `action` as `actor` (see `OperatorIdentity.current()`) and reports what it did.
    @discardableResult
    public func perform(_ action: OperatorAction, actor: String) throws -> ActionReport {
        switch action {
        case .retry, .retryMatching, .deadLetter, .hold, .resume:
            return try TaskActions(connection: connection).perform(action, actor: actor)
        case .pauseRouter, .resumeRouter, .pauseEventType, .resumeEventType:
            return try RouterSwitches(connection: connection).perform(action, actor: actor)
        case .schedule(let name, let change):
            let report = try ScheduleBook(connection: connection).change(name, change, actor: actor)
            return ActionReport(action: action, changed: report.taskID.map { [$0] } ?? [], skipped: [:], note: report.summary)
        }
    }
}

extension DatabaseClient {
    /// `OperatorActions.preview` on the client's connection.
    public func preview(_ action: OperatorAction) async throws -> ActionPreview {
        try await withConnection { try OperatorActions(connection: $0).preview(action) }
    }

    /// `OperatorActions.perform` on the client's connection.
    public func perform(_ action: OperatorAction, actor: String = OperatorIdentity.current()) async throws -> ActionReport {
        try await withConnection { try OperatorActions(connection: $0).perform(action, actor: actor) }
    }
}
