import FoundationEssentials

extension RouterSwitches {
    /// The preview of a router-wide switch: what confirming it changes now, in numbers read from
    /// the database (the switch itself, live routers, tasks waiting and in flight).
    public func preview(_ action: OperatorAction) throws -> ActionPreview {
        let type: EventType?
        switch action {
        case .pauseEventType(let eventType, _), .resumeEventType(let eventType): type = eventType
        default: type = nil
        }
        let state = try SwitchState.read(on: connection, eventType: type)
        let tasks = type.map { "\($0.rawValue) tasks" } ?? "tasks"
        let waiting = "\(state.waiting.counted) \(tasks) waiting (PENDING or RETRYING)"
        let routers = state.liveRouters == 1 ? "the 1 live router" : "the \(state.liveRouters) live routers"
        var lines: [String] = []
        let question: String
        switch action {
        case .pauseRouter:
            question = "Pause every router?"
            if state.globalPaused {
                lines.append("Every router is already paused; confirming changes only who paused it and why.")
            } else {
                lines.append(state.liveRouters == 0
                    ? "No router is live now; any router that starts will not claim."
                    : "\(routers.prefix(1).uppercased() + routers.dropFirst()) stop claiming within one poll interval; "
                        + state.inFlight(tasks))
                lines.append("\(waiting) stay waiting until you resume.")
            }
        case .resumeRouter:
            question = "Resume every router?"
            if !state.globalPaused {
                lines.append("Routers are not paused; confirming changes nothing.")
            } else {
                lines.append(state.liveRouters == 0
                    ? "\(waiting); no router is live to claim them."
                    : "\(routers.prefix(1).uppercased() + routers.dropFirst()) claim again: \(waiting).")
            }
            if !state.pausedEventTypes.isEmpty {
                lines.append("\(state.pausedEventTypes.joined(separator: " and ")) tasks stay paused; resume them separately.")
            }
        case .pauseEventType(let eventType, _):
            question = "Pause \(eventType.rawValue) tasks on every router?"
            if state.pausedEventTypes.contains(eventType.rawValue) {
                lines.append("\(eventType.rawValue) tasks are already paused; confirming changes only who paused them and why.")
            } else {
                lines.append("\(waiting) stay waiting until you resume; " + state.inFlight(tasks))
                lines.append("Other tasks keep being claimed" + (state.globalPaused ? " once every router is resumed." : "."))
            }
        case .resumeEventType(let eventType):
            question = "Resume \(eventType.rawValue) tasks on every router?"
            if !state.pausedEventTypes.contains(eventType.rawValue) {
                lines.append("\(eventType.rawValue) tasks are not paused; confirming changes nothing.")
            } else if state.globalPaused {
                lines.append("\(waiting); every router is still paused, so none is claimed until that is resumed too.")
            } else {
                lines.append(state.liveRouters == 0
                    ? "\(waiting); no router is live to claim them."
                    : "\(routers.prefix(1).uppercased() + routers.dropFirst()) claim them: \(waiting).")
            }
        default:
            throw ActionError("\(action.verb) is not a router-wide switch.")
        }
        return ActionPreview(action: action, matching: state.waiting.value, question: question, consequences: lines)
    }
}

/// The switches and the work they hold back, as a preview reads them.
private struct SwitchState {
    var globalPaused: Bool
    var pausedEventTypes: [String]
    var liveRouters: Int
    var waiting: CappedCount
    var running: CappedCount

    /// "the 3 RUNNING tasks finish." or "nothing is in flight."
    func inFlight(_ tasks: String) -> String {
        running.value == 0 ? "nothing is in flight." : "the \(running.counted) RUNNING \(tasks) finish."
    }

    static func read(on connection: PGConnection, eventType: EventType?) throws -> SwitchState {
        let features = try SchemaFeatures.detect(on: connection)
        let now = try connection.execute("SELECT now() AS now").first!.decode("now", as: Date.self)
        let live = RouterLiveness.condition(at: now, hasLiveUntil: features.hasRouterLiveUntil)
        let limit = RouterSwitches.previewCountLimit + 1
        let type = eventType?.rawValue
        let query: Query = """
            SELECT c.global_paused, c.paused_event_types::text AS paused_event_types,
                (SELECT count(*) FROM switchyard_routers WHERE \(live)) AS live_routers,
                (SELECT count(*) FROM (SELECT 1 FROM execution_tasks WHERE status IN (\(statuses: TaskStatus.waiting))
                    AND (\(type)::text IS NULL OR event_type = \(type)) LIMIT \(limit)) AS w) AS waiting,
                (SELECT count(*) FROM (SELECT 1 FROM execution_tasks WHERE status = 'RUNNING'
                    AND (\(type)::text IS NULL OR event_type = \(type)) LIMIT \(limit)) AS r) AS running
            FROM switchyard_control AS c WHERE c.id = 1
            """
        guard let row = try connection.execute(query.named("previewSwitch")).first else {
            throw ActionError("The control row is missing; run `switchyard migrate up`.")
        }
        return SwitchState(
            globalPaused: try row.decode("global_paused"),
            pausedEventTypes: (try row.decodeIfPresent("paused_event_types", as: String.self).map(PostgresArray.parse) ?? [])
                .compactMap { $0 },
            liveRouters: try row.decode("live_routers"),
            waiting: CappedCount(try row.decode("waiting"), limit: RouterSwitches.previewCountLimit),
            running: CappedCount(try row.decode("running"), limit: RouterSwitches.previewCountLimit))
    }
}

/// A count that stopped at `limit`: "137", or "more than 10,000".
private struct CappedCount {
    var value: Int
    var limit: Int
    init(_ value: Int, limit: Int) {
        self.value = value
        self.limit = limit
    }
    var counted: String {
        value > limit ? "more than \(limit)" : "\(value)"
    }
}
