import FoundationEssentials

/// Evaluates every alert rule once, on the database's clock, and opens, holds, releases and
/// resolves episodes, queueing the messages they owe. Every router runs it every few seconds;
/// the unique open-episode key (`switchyard_alert_episodes_open`) and conditional updates make
/// each firing and each resolution happen once for the cluster, however many routers evaluate
/// (docs/router.md, "Alerts: once for the cluster"). It sends nothing itself: `AlertDelivery` does.
public struct AlertEvaluator: Sendable {
    public struct Config: Sendable, Equatable {
        /// How often a router evaluates the rules.
        public var interval: Duration = .seconds(2)
        public init() {}
    }

    /// What one pass did.
    public struct Report: Sendable, Equatable {
        /// "rule" or "rule/account" for each episode this pass opened, resolved, or queued a message for.
        public var fired: [String] = []
        public var resolved: [String] = []
        public var queued: [String] = []
        public var suppressed: [String] = []
        /// Rules that could not be evaluated, with the reason; the others were.
        public var errors: [String] = []
        public init() {}
    }

    /// Recorded as the actor of the history rows (the router's id).
    public let evaluatorID: String
    /// The database as messages name it: `ConnectionSettings.displayName()`, never the password.
    public let database: String
    public let config: Config

    public init(evaluatorID: String, database: String, config: Config = Config()) {
        (self.evaluatorID, self.database, self.config) = (evaluatorID, database, config)
    }

    /// One pass at `now` (nil: the server's `now()`; tests pass a time to step through quiet hours).
    @discardableResult
    public func runOnce(on connection: PGConnection, now: Date? = nil) throws -> Report {
        var report = Report()
        guard try AlertQueries.isAvailable(on: connection) else { return report }
        let now = try now ?? connection.execute("SELECT now() AS now").first!.decode("now", as: Date.self)
        let rules = try activeRules(on: connection, now: now)
        guard !rules.isEmpty else { return report }
        let open = try openEpisodes(on: connection)
        var measure = Measurements(connection: connection, now: now)
        for (rule, inQuietHours) in rules {
            do {
                let values = try measure.values(for: rule)
                let holding = values.filter { $0.value > rule.condition.threshold }
                for (subject, value) in holding.sorted(by: { $0.key < $1.key }) {
                    if let episode = open[EpisodeKey(rule: rule.id, subject: subject)] {
                        try continueEpisode(episode, of: rule, value: value, inQuietHours: inQuietHours, now: now,
                                            on: connection, report: &report)
                    } else {
                        try startEpisode(of: rule, subject: subject, value: value, inQuietHours: inQuietHours, now: now,
                                         on: connection, report: &report)
                    }
                }
                for episode in open.values where episode.rule == rule.id && holding[episode.subject] == nil {
                    try resolve(episode, of: rule, value: values[episode.subject] ?? 0, now: now, on: connection, report: &report)
                }
            } catch let error as DatabaseError where error.isConnectionLost {
                throw error
            } catch {
                report.errors.append("alert rule \(rule.name): \((error as? DatabaseError)?.message ?? "\(error)")")
            }
        }
        return report
    }

    // MARK: Episodes

    private func startEpisode(of rule: StoredRule, subject: String, value: Double, inQuietHours: Bool, now: Date,
                              on connection: PGConnection, report: inout Report) throws {
        try connection.transaction { connection in
            let insert: Query = """
                INSERT INTO switchyard_alert_episodes (rule_id, subject, started_at, value, last_value)
                VALUES (\(rule.id), \(subject), \(now), \(value), \(value))
                ON CONFLICT (rule_id, subject) WHERE resolved_at IS NULL DO NOTHING
                RETURNING id
                """
            // Another router opened it first: it sends the message, this one nothing.
            guard let id: Int = try connection.execute(insert.named("openAlertEpisode")).first?.decode("id") else { return }
            let episode = OpenEpisode(id: id, rule: rule.id, subject: subject, startedAt: now, notifiedAt: nil, heldReason: nil)
            let message = AlertMessage(rule: rule, state: .firing, value: value, account: episode.account,
                                       database: database, startedAt: now)
            try record("fired", rule: rule, episode: episode, value: value, detail: message.text, on: connection)
            report.fired.append(episode.label(rule))
            if let reason = try holdReason(rule, subject: subject, excluding: id, inQuietHours: inQuietHours, now: now, on: connection) {
                try connection.execute("UPDATE switchyard_alert_episodes SET held_reason = \(reason) WHERE id = \(id)")
                try record("suppressed", rule: rule, episode: episode, value: value,
                           detail: "Not delivered now: \(reason). Delivered when that ends if still firing.", on: connection)
                report.suppressed.append(episode.label(rule))
            } else {
                try queue(message, rule: rule, episode: id, notifyAt: now, on: connection)
                report.queued.append(episode.label(rule))
            }
        }
    }

    private func continueEpisode(_ episode: OpenEpisode, of rule: StoredRule, value: Double, inQuietHours: Bool, now: Date,
                                 on connection: PGConnection, report: inout Report) throws {
        try connection.execute("""
            UPDATE switchyard_alert_episodes SET last_value = \(value)
            WHERE id = \(episode.id) AND last_value IS DISTINCT FROM \(value)
            """)
        guard episode.notifiedAt == nil,
              try holdReason(rule, subject: episode.subject, excluding: episode.id, inQuietHours: inQuietHours, now: now,
                             on: connection) == nil else { return }
        // Held until now (quiet hours, cooldown) and still firing: the one router whose update
        // wins sends it.
        try connection.transaction { connection in
            let release: Query = """
                UPDATE switchyard_alert_episodes SET held_reason = NULL
                WHERE id = \(episode.id) AND notified_at IS NULL AND resolved_at IS NULL RETURNING id
                """
            guard try connection.execute(release.named("releaseAlertEpisode")).first != nil else { return }
            let message = AlertMessage(rule: rule, state: .firing, value: value, account: episode.account,
                                       database: database, startedAt: episode.startedAt)
            try queue(message, rule: rule, episode: episode.id, notifyAt: now, on: connection)
            report.queued.append(episode.label(rule))
        }
    }

    private func resolve(_ episode: OpenEpisode, of rule: StoredRule, value: Double, now: Date,
                         on connection: PGConnection, report: inout Report) throws {
        try connection.transaction { connection in
            let close: Query = """
                UPDATE switchyard_alert_episodes SET resolved_at = \(now), last_value = \(value)
                WHERE id = \(episode.id) AND resolved_at IS NULL RETURNING notified_at
                """
            guard let row = try connection.execute(close.named("resolveAlertEpisode")).first else { return }
            let message = AlertMessage(rule: rule, state: .resolved, value: value, account: episode.account,
                                       database: database, startedAt: episode.startedAt)
            try record("resolved", rule: rule, episode: episode, value: value, detail: message.text, on: connection)
            report.resolved.append(episode.label(rule))
            // A resolution follows a firing message; an episode held all along resolves quietly.
            if try row.decodeIfPresent("notified_at", as: Date.self) != nil {
                try queue(message, rule: rule, episode: episode.id, notifyAt: nil, on: connection)
                report.queued.append(episode.label(rule))
            }
        }
    }

    /// Why a firing message must wait: a warning in quiet hours, or the rule's cooldown since its
    /// last firing message (for this account); nil when it may go now.
    private func holdReason(_ rule: StoredRule, subject: String, excluding episode: Int, inQuietHours: Bool, now: Date,
                            on connection: PGConnection) throws -> String? {
        if inQuietHours, rule.severity == .warning, let quiet = rule.quietHours {
            return "quiet hours \(quiet.summary)"
        }
        guard rule.cooldown > .zero else { return nil }
        let query: Query = """
            SELECT max(notified_at) AS last FROM switchyard_alert_episodes
            WHERE rule_id = \(rule.id) AND subject = \(subject) AND id <> \(episode)
            """
        guard let last: Date = try connection.execute(query.named("lastAlertMessage")).first?.decodeIfPresent("last"),
              now.timeIntervalSince(last) < rule.cooldown.seconds else { return nil }
        return "cooldown of \(TimeSpan.format(rule.cooldown)) after the message at \(ClockZone.utc.stamp(last))"
    }

    /// Queues a message for `AlertDelivery`; with `notifyAt`, marks the episode's firing message sent.
    private func queue(_ message: AlertMessage, rule: StoredRule, episode: Int, notifyAt: Date?,
                       on connection: PGConnection) throws {
        try connection.execute("""
            INSERT INTO switchyard_alert_deliveries (rule_id, episode_id, state, payload)
            VALUES (\(rule.id), \(episode), \(message.state.rawValue), \(message.json)::jsonb)
            """)
        if let notifyAt {
            try connection.execute("UPDATE switchyard_alert_episodes SET notified_at = \(notifyAt) WHERE id = \(episode)")
        }
        try connection.execute("SELECT pg_notify(\(NotificationChannel.alerts.rawValue), '')")
    }

    private func record(_ event: String, rule: StoredRule, episode: OpenEpisode, value: Double, detail: String,
                        on connection: PGConnection) throws {
        try connection.execute("""
            INSERT INTO switchyard_alert_history (rule_id, rule_name, episode_id, event, severity, subject, value, detail, actor)
            VALUES (\(rule.id), \(rule.name), \(episode.id), \(event), \(rule.severity.rawValue), \(episode.subject),
                    \(value), \(detail), \(evaluatorID))
            """)
    }

    // MARK: Reads

    /// The active rules, each with whether `now` falls in its quiet hours (in its time zone).
    private func activeRules(on connection: PGConnection, now: Date) throws -> [(StoredRule, Bool)] {
        let local: Query = "(\(now)::timestamptz AT TIME ZONE time_zone)::time"
        let query: Query = """
            SELECT \(unescaped: StoredRule.columns),
                   CASE WHEN quiet_start IS NULL THEN false
                        WHEN quiet_start < quiet_end THEN \(local) >= quiet_start AND \(local) < quiet_end
                        ELSE \(local) >= quiet_start OR \(local) < quiet_end END AS in_quiet
            FROM switchyard_alert_rules WHERE removed_at IS NULL ORDER BY id
            """
        return try connection.execute(query.named("alertRulesToEvaluate")).rows.compactMap { row in
            guard let rule = try StoredRule(row: row) else { return nil }
            return (rule, try row.decode("in_quiet"))
        }
    }

    private func openEpisodes(on connection: PGConnection) throws -> [EpisodeKey: OpenEpisode] {
        let query: Query = """
            SELECT id, rule_id, subject, started_at, notified_at, held_reason
            FROM switchyard_alert_episodes WHERE resolved_at IS NULL
            """
        var episodes: [EpisodeKey: OpenEpisode] = [:]
        for row in try connection.execute(query.named("openAlertEpisodes")).rows {
            let episode = OpenEpisode(id: try row.decode("id"), rule: try row.decode("rule_id"), subject: try row.decode("subject"),
                                      startedAt: try row.decode("started_at"), notifiedAt: try row.decodeIfPresent("notified_at"),
                                      heldReason: try row.decodeIfPresent("held_reason"))
            episodes[EpisodeKey(rule: episode.rule, subject: episode.subject)] = episode
        }
        return episodes
    }
}

private struct EpisodeKey: Hashable {
    var rule: Int
    var subject: String
}

private struct OpenEpisode {
    var id: Int
    var rule: Int
    var subject: String
    var startedAt: Date
    var notifiedAt: Date?
    var heldReason: String?

    var account: String? { subject.isEmpty ? nil : subject }
    func label(_ rule: StoredRule) -> String { subject.isEmpty ? rule.name : "\(rule.name)/\(subject)" }
}
