import Dispatch
import Foundation
import SwitchyardEngine

/// The dashboard's backend over a real database: reads through the engine's monitor queries,
/// changes through its operator actions (audited with the operator's identity), wake-ups by
/// LISTEN on a connection of its own, and the embedded router's state when one runs here.
public final class EngineDashboardBackend: DashboardBackend {
    /// Channels the engine's triggers notify: new tasks, new audit rows, pause and resume.
    public static let channels = ["switchyard_tasks", "switchyard_activity", "switchyard_control"]

    private let client: DatabaseClient
    private let listener: ChangeListener
    private let queries: MonitorQueries
    private let router: ExecutionRouter?
    private let readOnly: Bool
    private let actor: String

    /// `settings` decides read-only: an observer's session is read-only on the server too.
    /// `router` is the embedded router, if this process runs one.
    public init(settings: ConnectionSettings, router: ExecutionRouter? = nil,
                actor: String = OperatorIdentity.current(), recentLogLimit: Int = 50) {
        client = DatabaseClient(settings: settings)
        listener = ChangeListener(settings: settings, channels: Self.channels)
        var config = MonitorQueries.Config()
        config.recentLogLimit = recentLogLimit
        // The per-minute buckets of finished minutes never change: a dashboard keeps them.
        queries = MonitorQueries(config: config, ratesCache: RatesCache())
        self.router = router
        readOnly = settings.readOnly
        self.actor = actor
    }

    public func loadSnapshot(filter: TaskFilter) async throws -> DashboardSnapshot {
        try await client.snapshot(filter: filter, queries: queries)
    }

    public func loadTaskDetail(id: TaskID) async throws -> TaskDetail {
        guard let detail = try await client.taskDetail(id: id, queries: queries) else {
            throw ActionError("Task \(id) does not exist in this database.")
        }
        return detail
    }

    public func listTasks(filter: TaskFilter, limit: Int) async throws -> [TaskSummary] {
        try await client.listTasks(filter: filter, limit: limit, queries: queries)
    }

    public func preview(_ action: OperatorAction) async throws -> ActionPreview {
        try refuseInReadOnly()
        return try await client.preview(action)
    }

    public func perform(_ action: OperatorAction) async throws -> ActionReport {
        try refuseInReadOnly()
        return try await client.perform(action, actor: actor)
    }

    public func waitForChange(timeout: Duration) async throws -> Bool {
        try await listener.wait(timeout: timeout)
    }

    public func routerStatus() async -> RouterStatusLine? {
        router.map { Self.statusLine($0.status) }
    }

    /// Closes both connections (the dashboard has stopped).
    public func close() {
        client.close()
        listener.close()
    }

    /// The header's words for the embedded router's state.
    static func statusLine(_ status: ExecutionRouter.Status) -> RouterStatusLine {
        let state: RouterStatusLine.State
        switch status.state {
        case .starting, .running: state = status.paused ? .paused : .running
        case .stopping, .stopped: state = status.lastError.map { .failed($0) } ?? .stopped
        }
        return RouterStatusLine(state: state, dryRun: status.dryRun)
    }

    /// The update never asks for a change in observer mode; this makes sure of it.
    private func refuseInReadOnly() throws {
        guard !readOnly else {
            throw ActionError("Observer mode (--read-only) cannot change tasks; run the dashboard without --read-only.")
        }
    }
}

/// LISTEN on a connection of its own, waited on off Swift's cooperative pool. Reconnects on
/// the next wait after the connection is lost.
final class ChangeListener: @unchecked Sendable {
    // Safe because `connection` is only read and written on `queue`, a serial queue.
    private let queue = DispatchQueue(label: "switchyard.dashboard.listen")
    private var connection: PGConnection?
    private let settings: ConnectionSettings
    private let channels: [String]

    init(settings: ConnectionSettings, channels: [String]) {
        self.settings = settings
        self.channels = channels
    }

    /// True as soon as a notification arrives (several at once count as one), false after
    /// `timeout` without one.
    func wait(timeout: Duration) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.waitOnQueue(timeout: timeout) }) }
        }
    }

    func close() {
        queue.async { [self] in
            connection?.close()
            connection = nil
        }
    }

    private func waitOnQueue(timeout: Duration) throws -> Bool {
        let live = try listeningConnection()
        do {
            guard try live.waitForNotification(timeout: timeout) != nil else { return false }
            while try live.waitForNotification(timeout: .zero) != nil {}
            return true
        } catch {
            live.close()
            connection = nil
            throw error
        }
    }

    private func listeningConnection() throws -> PGConnection {
        if let connection, connection.isConnected { return connection }
        connection?.close()
        connection = nil
        let fresh = try PGConnection(settings: settings)
        for channel in channels { try fresh.listen(channel) }
        connection = fresh
        return fresh
    }
}
