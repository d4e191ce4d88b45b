import FoundationEssentials

/// Sends the alert messages owed, once for the cluster: any router claims a message with SKIP
/// LOCKED and a lease on the database's clock, sends it outside any transaction, and records
/// the result. A failure is retried with capped exponential backoff and recorded each time; one
/// that keeps failing is abandoned after `maximumAttempts`, and recorded so. Runs on a thread and
/// a connection of its own (a `PeriodicWorker`), so a slow or dead webhook never touches routing.
public struct AlertDelivery: Sendable {
    public struct Config: Sendable, Equatable {
        /// How often a router looks for messages owed (the evaluator also wakes it when it queues one).
        public var interval: Duration = .seconds(1)
        /// A webhook or command taking longer than this has failed.
        public var timeout: Duration = .seconds(10)
        /// The wait before the first retry; doubled each time, up to `maximumBackoff`.
        public var initialBackoff: Duration = .seconds(2)
        public var maximumBackoff: Duration = .seconds(300)
        /// Tries before a message is abandoned: with the defaults, about an hour and a quarter.
        public var maximumAttempts = 20
        /// Messages one pass claims at most.
        public var batch = 10
        public init() {}
    }

    /// What one pass did.
    public struct Report: Sendable, Equatable {
        public var delivered: [Int] = []
        public var failed: [Int] = []
        public var abandoned: [Int] = []
        /// Why each failed or abandoned message did not arrive ("rule: reason"), for logs.
        public var failures: [String] = []
        public init() {}
    }

    /// Recorded as the actor of the history rows (the router's id, or the operator for tests).
    public let senderID: String
    public let config: Config

    public init(senderID: String, config: Config = Config()) {
        (self.senderID, self.config) = (senderID, config)
    }

    private var sender: AlertSender { AlertSender(timeout: config.timeout) }

    /// Claims the messages due (oldest first; an episode's resolved message waits for its firing one),
    /// sends each, records each result.
    @discardableResult
    public func runOnce(on connection: PGConnection) throws -> Report {
        var report = Report()
        guard try AlertQueries.isAvailable(on: connection) else { return report }
        // The lease: nobody else takes the message while this router may still be sending it.
        let lease = config.timeout + .seconds(10)
        let claim: Query = """
            UPDATE switchyard_alert_deliveries d
            SET attempts = d.attempts + 1, next_attempt_at = now() + \(lease.milliseconds) * interval '1 millisecond'
            FROM (SELECT o.id FROM switchyard_alert_deliveries o
                  WHERE o.delivered_at IS NULL AND o.abandoned_at IS NULL AND o.next_attempt_at <= now() AND o.state <> 'test'
                    AND NOT EXISTS (SELECT 1 FROM switchyard_alert_deliveries e
                                    WHERE e.episode_id = o.episode_id AND e.id < o.id
                                      AND e.delivered_at IS NULL AND e.abandoned_at IS NULL)
                  ORDER BY o.id LIMIT \(config.batch) FOR UPDATE SKIP LOCKED) AS due,
                 switchyard_alert_rules r
            WHERE d.id = due.id AND r.id = d.rule_id
            RETURNING d.id, d.episode_id, d.attempts, d.payload::text AS payload, r.id AS rule_id, r.name, r.severity,
                      r.webhook_url, r.command
            """
        for row in try connection.execute(claim.named("claimAlertDeliveries")).rows {
            let owed = try Owed(row: row)
            do {
                try sender.send(Data(owed.payload.utf8), to: owed.target)
                try recordDelivered(owed, on: connection)
                report.delivered.append(owed.id)
            } catch let failure as AlertSendFailure {
                report.failures.append("alert \(owed.name): \(failure.message)")
                if owed.attempts >= config.maximumAttempts {
                    try recordAbandoned(owed, failure, on: connection)
                    report.abandoned.append(owed.id)
                } else {
                    try recordFailed(owed, failure, on: connection)
                    report.failed.append(owed.id)
                }
            }
        }
        return report
    }

    /// Sends a test message for `rule` through the same sender and records the result; nil when it
    /// arrived, else why not. A test is tried once, never retried.
    public func sendTest(rule name: String, database: String, on connection: PGConnection) throws -> AlertSendFailure? {
        let query: Query = """
            SELECT \(unescaped: StoredRule.columns)
            FROM switchyard_alert_rules WHERE name = \(name) AND removed_at IS NULL
            """
        guard let row = try connection.execute(query.named("alertRuleToTest")).first, let rule = try StoredRule(row: row) else {
            throw AlertRuleNotFound(name: name)
        }
        let message = AlertMessage(rule: rule, state: .test, value: 0, account: nil, database: database, startedAt: nil)
        let insert: Query = """
            INSERT INTO switchyard_alert_deliveries (rule_id, state, payload, attempts)
            VALUES (\(rule.id), 'test', \(message.json)::jsonb, 1) RETURNING id
            """
        let id: Int = try connection.execute(insert.named("queueAlertTest")).first!.decode("id")
        let owed = Owed(id: id, episode: nil, attempts: 1, payload: message.json, rule: rule.id, name: rule.name,
                        severity: rule.severity.rawValue, target: rule.target)
        do {
            try sender.send(Data(message.json.utf8), to: rule.target)
            try recordDelivered(owed, event: "test", on: connection)
            return nil
        } catch let failure as AlertSendFailure {
            try recordAbandoned(owed, failure, event: "test_failed", on: connection)
            return failure
        }
    }

    // MARK: Results

    private func recordDelivered(_ owed: Owed, event: String = "delivered", on connection: PGConnection) throws {
        try connection.transaction { connection in
            try connection.execute("""
                UPDATE switchyard_alert_deliveries SET delivered_at = now(), last_error = NULL WHERE id = \(owed.id)
                """)
            try record(event, owed, detail: "\(owed.state) message delivered to \(owed.target.redacted)"
                       + (owed.attempts > 1 ? " on try \(owed.attempts)" : "") + ".", on: connection)
        }
    }

    private func recordFailed(_ owed: Owed, _ failure: AlertSendFailure, on connection: PGConnection) throws {
        let exponent = min(owed.attempts - 1, 20)
        let wait = min(config.maximumBackoff, config.initialBackoff * (1 << exponent))
        try connection.transaction { connection in
            try connection.execute("""
                UPDATE switchyard_alert_deliveries
                SET last_error = \(failure.message), next_attempt_at = now() + \(wait.milliseconds) * interval '1 millisecond'
                WHERE id = \(owed.id)
                """)
            try record("delivery_failed", owed, detail: "Try \(owed.attempts) of \(config.maximumAttempts): \(failure.message) "
                       + "Next try in \(TimeSpan.format(wait)).", on: connection)
        }
    }

    private func recordAbandoned(_ owed: Owed, _ failure: AlertSendFailure, event: String = "delivery_abandoned",
                                 on connection: PGConnection) throws {
        try connection.transaction { connection in
            try connection.execute("""
                UPDATE switchyard_alert_deliveries SET last_error = \(failure.message), abandoned_at = now()
                WHERE id = \(owed.id)
                """)
            try record(event, owed, detail: event == "test_failed" ? failure.message
                       : "Gave up after \(owed.attempts) tries: \(failure.message)", on: connection)
        }
    }

    private func record(_ event: String, _ owed: Owed, detail: String, on connection: PGConnection) throws {
        try connection.execute("""
            INSERT INTO switchyard_alert_history (rule_id, rule_name, episode_id, delivery_id, event, severity, subject, detail, actor)
            VALUES (\(owed.rule), \(owed.name), \(owed.episode), \(owed.id), \(event), \(owed.severity),
                    \(owed.payloadAccount), \(detail), \(senderID))
            """)
    }
}

/// A message claimed for sending.
private struct Owed {
    var id: Int
    var episode: Int?
    var attempts: Int
    var payload: String
    var rule: Int
    var name: String
    var severity: String
    var target: AlertTarget

    init(id: Int, episode: Int?, attempts: Int, payload: String, rule: Int, name: String, severity: String, target: AlertTarget) {
        (self.id, self.episode, self.attempts, self.payload) = (id, episode, attempts, payload)
        (self.rule, self.name, self.severity, self.target) = (rule, name, severity, target)
    }

    init(row: Row) throws {
        guard let target = try StoredRule.target(row: row) else {
            throw DatabaseError(message: "Alert rule \(try row.decode("name", as: String.self)) has no usable target.")
        }
        self.init(id: try row.decode("id"), episode: try row.decodeIfPresent("episode_id"), attempts: try row.decode("attempts"),
                  payload: try row.decode("payload"), rule: try row.decode("rule_id"), name: try row.decode("name"),
                  severity: try row.decode("severity"), target: target)
    }

    private var message: AlertMessage? { try? JSONDecoder().decode(AlertMessage.self, from: Data(payload.utf8)) }
    var state: String { message?.state.rawValue ?? "alert" }
    var payloadAccount: String? { message?.account }
}
