import FoundationEssentials

/// One rule as shown by `alerts list` and the dashboard: the target redacted, never the URL.
public struct AlertRuleSummary: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var condition: AlertCondition
    public var severity: AlertSeverity
    /// `AlertTarget.redacted`: no secrets.
    public var target: String
    public var cooldown: Duration
    public var quietHours: QuietHours?
    public var createdBy: String
    public var createdAt: Date

    public init(id: Int, name: String, condition: AlertCondition, severity: AlertSeverity, target: String,
                cooldown: Duration, quietHours: QuietHours?, createdBy: String, createdAt: Date) {
        (self.id, self.name, self.condition, self.severity, self.target) = (id, name, condition, severity, target)
        (self.cooldown, self.quietHours, self.createdBy, self.createdAt) = (cooldown, quietHours, createdBy, createdAt)
    }
}

/// An episode that has not resolved: the rule's condition holds (for one account, for account rules).
public struct FiringAlert: Sendable, Equatable {
    public var rule: String
    public var severity: AlertSeverity
    public var condition: AlertCondition
    /// The account, for account rules.
    public var account: String?
    public var since: Date
    /// The value at the latest evaluation.
    public var value: Double
    /// Why no firing message went out yet ("quiet hours", "cooldown"); nil once one was queued.
    public var heldReason: String?
    /// Messages of this rule tried and not delivered yet, still being retried (the latest error
    /// in `deliveryError`).
    public var failingDeliveries: Int
    public var deliveryError: String?

    public init(rule: String, severity: AlertSeverity, condition: AlertCondition, account: String?, since: Date,
                value: Double, heldReason: String?, failingDeliveries: Int = 0, deliveryError: String? = nil) {
        (self.rule, self.severity, self.condition, self.account, self.since) = (rule, severity, condition, account, since)
        (self.value, self.heldReason, self.failingDeliveries, self.deliveryError) = (value, heldReason, failingDeliveries, deliveryError)
    }
}

/// One row of the alert history: fired, suppressed, delivered, delivery_failed, resolved, ...
public struct AlertHistoryEntry: Sendable, Equatable {
    public var id: Int
    public var at: Date
    public var rule: String
    public var event: String
    public var severity: String?
    public var account: String?
    public var value: Double?
    public var detail: String?
    public var actor: String

    public init(id: Int, at: Date, rule: String, event: String, severity: String?, account: String?, value: Double?,
                detail: String?, actor: String) {
        (self.id, self.at, self.rule, self.event, self.severity) = (id, at, rule, event, severity)
        (self.account, self.value, self.detail, self.actor) = (account, value, detail, actor)
    }
}

/// Rules, what is firing and the history: the reads and the operator's changes (add, remove).
/// Every change writes a history row with the actor, as operator actions write audit rows.
public enum AlertQueries {
    /// True when the database has the alert tables (migration 9), readable by this role (the
    /// rules' untargeted columns, or migration 18's masked view, are enough).
    public static func isAvailable(on connection: PGConnection) throws -> Bool {
        try shownRules(on: connection) != nil
    }

    /// Where rules are read for showing, checked in one round trip: migration 18's view with the
    /// targets masked (all a role that may not read the targets is granted), or the table before
    /// it; nil when this role can read neither, or the database has no alerts yet.
    static func shownRules(on connection: PGConnection) throws -> String? {
        let query: Query = """
            SELECT to_regclass('switchyard_alert_rules') IS NOT NULL
                   AND (has_any_column_privilege('switchyard_alert_rules', 'SELECT')
                        OR coalesce(has_table_privilege(to_regclass('switchyard_alert_rules_shown'), 'SELECT'), false)) AS ok,
                   to_regclass('switchyard_alert_rules_shown') IS NOT NULL AS masked
            """
        guard let row = try connection.execute(query.named("alertTablesPresent")).first,
              try row.decode("ok", as: Bool.self) else { return nil }
        return try row.decode("masked", as: Bool.self) ? "switchyard_alert_rules_shown" : "switchyard_alert_rules"
    }

    /// Stores a new rule and records who added it. The database checks the time zone.
    @discardableResult
    public static func add(_ rule: AlertRuleDefinition, actor: String, on connection: PGConnection) throws -> Int {
        try rule.validate()
        if let quiet = rule.quietHours { try checkTimeZone(quiet.timeZone, on: connection) }
        var webhook: String?, command: String?
        switch rule.target {
        case .webhook(let url): webhook = url.absoluteString
        case .command(let text): command = text
        }
        let quietStart = rule.quietHours.map { QuietHours.clock($0.start) }
        let quietEnd = rule.quietHours.map { QuietHours.clock($0.end) }
        let insert: Query = """
            WITH rule AS (
                INSERT INTO switchyard_alert_rules (name, condition, threshold, window_minutes, severity, webhook_url,
                    command, cooldown_seconds, quiet_start, quiet_end, time_zone, created_by)
                VALUES (\(rule.name), \(rule.condition.kind.rawValue), \(rule.condition.threshold), \(rule.condition.windowMinutes),
                    \(rule.severity.rawValue), \(webhook), \(command), \(Int(rule.cooldown.seconds)), \(quietStart)::time,
                    \(quietEnd)::time, \(rule.quietHours?.timeZone), \(actor))
                RETURNING id, name, severity)
            INSERT INTO switchyard_alert_history (rule_id, rule_name, event, severity, detail, actor)
            SELECT id, name, 'rule_added', severity, \(rule.condition.summary + " → " + rule.target.redacted), \(actor) FROM rule
            RETURNING rule_id
            """
        do {
            return try connection.execute(insert.named("addAlertRule")).first!.decode("rule_id")
        } catch let error as DatabaseError where error.sqlState == .uniqueViolation {
            throw ConfigurationError("A rule named \(rule.name) exists already. Remove it first, or choose another name.")
        } catch let error as DatabaseError where error.sqlState == .checkViolation && rule.condition.kind == .accountRefusalsOver {
            // Before migration 19 the rules table knows the condition only by its former name.
            throw ConfigurationError("The database's rules table does not know the \(rule.condition.kind.flagName) condition yet.",
                                     remedy: .migrate)
        }
    }

    /// Marks a rule removed (its row and history stay) and closes its open episodes without a
    /// message. Throws when no such rule is active.
    public static func remove(name: String, actor: String, on connection: PGConnection) throws {
        let query: Query = """
            WITH removed AS (
                UPDATE switchyard_alert_rules SET removed_at = now(), removed_by = \(actor)
                WHERE name = \(name) AND removed_at IS NULL RETURNING id, name, severity),
            closed AS (
                UPDATE switchyard_alert_episodes e SET resolved_at = now()
                FROM removed WHERE e.rule_id = removed.id AND e.resolved_at IS NULL RETURNING e.id)
            INSERT INTO switchyard_alert_history (rule_id, rule_name, event, severity, detail, actor)
            SELECT id, name, 'rule_removed', severity,
                   (SELECT count(*) FROM closed) || ' open episode(s) closed without a message', \(actor)
            FROM removed
            RETURNING rule_id
            """
        guard try connection.execute(query.named("removeAlertRule")).first != nil else {
            throw AlertRuleNotFound(name: name)
        }
    }

    /// The active rules, by name, read with their targets masked (migration 18's view, which
    /// roles that may not read the targets are granted), so no caller holds a secret to leak;
    /// before migration 18, from the table, redacted here all the same.
    public static func rules(on connection: PGConnection) throws -> [AlertRuleSummary] {
        let query: Query = """
            SELECT \(unescaped: StoredRule.columns), created_by
            FROM \(unescaped: try shownRules(on: connection) ?? "switchyard_alert_rules") WHERE removed_at IS NULL ORDER BY name
            """
        return try connection.execute(query.named("alertRules")).rows.compactMap { row in
            guard let stored = try StoredRule(row: row) else { return nil }
            return AlertRuleSummary(id: stored.id, name: stored.name, condition: stored.condition, severity: stored.severity,
                                    target: stored.target.redacted, cooldown: stored.cooldown, quietHours: stored.quietHours,
                                    createdBy: try row.decode("created_by"), createdAt: try row.decode("created_at"))
        }
    }

    /// Episodes not resolved, with the deliveries of their rule still owed.
    public static func firing(on connection: PGConnection) throws -> [FiringAlert] {
        let query: Query = """
            SELECT r.name, r.severity, r.condition, r.threshold, r.window_minutes, e.subject, e.started_at, e.last_value,
                   CASE WHEN e.notified_at IS NULL THEN e.held_reason END AS held_reason,
                   d.failing, d.last_error
            FROM switchyard_alert_episodes e
            JOIN \(unescaped: try shownRules(on: connection) ?? "switchyard_alert_rules") r ON r.id = e.rule_id
            LEFT JOIN LATERAL (
                SELECT count(*) FILTER (WHERE o.last_error IS NOT NULL) AS failing,
                       (array_agg(o.last_error ORDER BY o.id DESC) FILTER (WHERE o.last_error IS NOT NULL))[1] AS last_error
                FROM switchyard_alert_deliveries o
                WHERE o.rule_id = r.id AND o.delivered_at IS NULL AND o.abandoned_at IS NULL AND o.state <> 'test') d ON true
            WHERE e.resolved_at IS NULL AND r.removed_at IS NULL
            ORDER BY CASE r.severity WHEN 'critical' THEN 0 ELSE 1 END, e.started_at, r.name, e.subject
            """
        return try connection.execute(query.named("firingAlerts")).rows.compactMap { row in
            guard let condition = AlertCondition(kind: try row.decode("condition"), threshold: try row.decode("threshold"),
                                                 windowMinutes: try row.decodeIfPresent("window_minutes")),
                  let severity = AlertSeverity(rawValue: try row.decode("severity")) else { return nil }
            let subject: String = try row.decode("subject")
            return FiringAlert(rule: try row.decode("name"), severity: severity, condition: condition,
                               account: subject.isEmpty ? nil : subject, since: try row.decode("started_at"),
                               value: try row.decode("last_value"), heldReason: try row.decodeIfPresent("held_reason"),
                               failingDeliveries: try row.decodeIfPresent("failing") ?? 0,
                               deliveryError: try row.decodeIfPresent("last_error"))
        }
    }

    /// How many alerts are firing now (episodes not resolved): one per rule, or per account for
    /// account rules. For the `switchyard_alerts_firing` gauge; 0 before migration 9.
    public static func firingCount(on connection: PGConnection) throws -> Int {
        guard let rules = try shownRules(on: connection) else { return 0 }
        let query: Query = """
            SELECT count(*) AS n FROM switchyard_alert_episodes e
            JOIN \(unescaped: rules) r ON r.id = e.rule_id
            WHERE e.resolved_at IS NULL AND r.removed_at IS NULL
            """
        return try connection.execute(query.named("firingAlertCount")).first!.decode("n")
    }

    /// History rows, newest first; only `rule`'s when given (removed rules' included).
    public static func history(on connection: PGConnection, rule: String? = nil, limit: Int = 50) throws -> [AlertHistoryEntry] {
        let query: Query = """
            SELECT id, created_at, rule_name, event, severity, subject, value, detail, actor
            FROM switchyard_alert_history
            WHERE \(rule)::text IS NULL OR rule_name = \(rule)
            ORDER BY id DESC LIMIT \(limit)
            """
        return try connection.execute(query.named("alertHistory")).rows.map { row in
            AlertHistoryEntry(id: try row.decode("id"), at: try row.decode("created_at"), rule: try row.decode("rule_name"),
                              event: try row.decode("event"), severity: try row.decodeIfPresent("severity"),
                              account: try row.decodeIfPresent("subject").flatMap { $0.isEmpty ? nil : $0 },
                              value: try row.decodeIfPresent("value"), detail: try row.decodeIfPresent("detail"),
                              actor: try row.decode("actor"))
        }
    }

    /// Throws a `ConfigurationError` naming the zone when the database does not know it.
    static func checkTimeZone(_ zone: String, on connection: PGConnection) throws {
        let query: Query = "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = \(zone)) AS known"
        guard try connection.execute(query.named("checkTimeZone")).first?.decode("known", as: Bool.self) == true else {
            throw ConfigurationError("The database does not know the time zone \"\(zone)\". Use an IANA name such as Europe/London, America/New_York or UTC.")
        }
    }
}

/// No active rule has that name.
public struct AlertRuleNotFound: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var description: String { "No alert rule is named \(name). `switchyard alerts list` shows the rules." }
}

/// A rule row as the evaluator and the delivery read it, target included (never shown).
struct StoredRule: Sendable {
    var id: Int
    var name: String
    var condition: AlertCondition
    var severity: AlertSeverity
    var target: AlertTarget
    var cooldown: Duration
    var quietHours: QuietHours?
    var createdAt: Date

    /// The columns `init(row:)` reads, for the SELECTs of `switchyard_alert_rules`.
    static let columns = """
        id, name, condition, threshold, window_minutes, severity, webhook_url, command, cooldown_seconds,
        to_char(quiet_start, 'HH24:MI') AS quiet_start, to_char(quiet_end, 'HH24:MI') AS quiet_end, time_zone, created_at
        """

    /// nil for a row this build cannot use (a condition kind from a newer build).
    init?(row: Row) throws {
        guard let condition = AlertCondition(kind: try row.decode("condition"), threshold: try row.decode("threshold"),
                                             windowMinutes: try row.decodeIfPresent("window_minutes")),
              let severity = AlertSeverity(rawValue: try row.decode("severity")),
              let target = try Self.target(row: row) else { return nil }
        id = try row.decode("id")
        name = try row.decode("name")
        (self.condition, self.severity, self.target) = (condition, severity, target)
        cooldown = .seconds(try row.decode("cooldown_seconds", as: Int.self))
        createdAt = try row.decode("created_at")
        if let start = try row.decodeIfPresent("quiet_start", as: String.self).flatMap({ QuietHours.minutes(Substring($0)) }),
           let end = try row.decodeIfPresent("quiet_end", as: String.self).flatMap({ QuietHours.minutes(Substring($0)) }),
           let zone: String = try row.decodeIfPresent("time_zone") {
            quietHours = QuietHours(start: start, end: end, timeZone: zone)
        }
    }

    static func target(row: Row) throws -> AlertTarget? {
        if let command: String = try row.decodeIfPresent("command") { return .command(command) }
        return try row.decodeIfPresent("webhook_url", as: String.self).flatMap(URL.init(string:)).map { .webhook($0) }
    }
}
