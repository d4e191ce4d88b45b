import FoundationEssentials

extension MonitorQueries {
    /// Routers whose heartbeat is within `routerWindow` of `now`, by host and pid, each marked
    /// live or not by the one rule (`RouterLiveness`), at `now` on the server's clock.
    func routers(on connection: PGConnection, features: SchemaFeatures, now: Date) throws -> [RouterInfo] {
        guard features.hasRoutersTable else { throw PartUnavailable(reason: SchemaFeatures.needsMigration("switchyard_routers")) }
        let since = now.addingTimeInterval(-config.routerWindow)
        let live = RouterLiveness.condition(at: now, hasLiveUntil: features.hasRouterLiveUntil)
        let query: Query = """
            SELECT id, host, pid, started_at, heartbeat_at, stopped_at, dry_run, paused, in_flight, processed,
                (\(live)) AS live
            FROM switchyard_routers WHERE heartbeat_at >= \(since)
            ORDER BY host, pid, id
            """
        return try connection.execute(query.named("recentRouters")).rows.map { row in
            RouterInfo(id: try row.decode("id"), host: try row.decode("host"), pid: try row.decode("pid"),
                       startedAt: try row.decode("started_at"), heartbeatAt: try row.decode("heartbeat_at"),
                       stoppedAt: try row.decodeIfPresent("stopped_at"), dryRun: try row.decode("dry_run"),
                       paused: try row.decode("paused"), inFlight: try row.decode("in_flight"),
                       processed: try row.decode("processed"), isLive: try row.decode("live"))
        }
    }

    /// The pause switches; not paused when the control row was never written.
    func controlState(on connection: PGConnection, features: SchemaFeatures) throws -> ControlState {
        guard features.hasControlTable else { throw PartUnavailable(reason: SchemaFeatures.needsMigration("switchyard_control")) }
        let query: Query = """
            SELECT global_paused, paused_event_types, changed_by, changed_at, reason
            FROM switchyard_control WHERE id = 1
            """
        guard let row = try connection.execute(query.named("controlState")).first else {
            return ControlState(globalPaused: false, pausedEventTypes: [], changedBy: nil, changedAt: nil, reason: nil)
        }
        let types = try row.decodeIfPresent("paused_event_types", as: String.self).map(PostgresArray.parse) ?? []
        return ControlState(globalPaused: try row.decode("global_paused"), pausedEventTypes: types.compactMap { $0 },
                            changedBy: try row.decodeIfPresent("changed_by"), changedAt: try row.decodeIfPresent("changed_at"),
                            reason: try row.decodeIfPresent("reason"))
    }
}
