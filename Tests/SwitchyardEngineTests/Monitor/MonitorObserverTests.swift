import Foundation
import Testing
@testable import SwitchyardEngine

/// Observers: a SELECT-only role, a read-only session, and a database the seed system
/// created but Switchyard never migrated all get the dashboard, never an error screen.
@Suite(.database) struct MonitorObserverTests {
    let now = MonitorFixture.now

    /// A login role that may only SELECT in the schema; dropped by `drop()`.
    struct ObserverRole {
        let name: String
        let schema: TestSchema
        let admin: PGConnection

        init(schema: TestSchema) throws {
            self.schema = schema
            name = "observer_" + schema.name
            admin = try schema.connect()
            try admin.execute(Query("CREATE ROLE \(name) LOGIN", parameters: []))
            try admin.execute(Query("GRANT USAGE ON SCHEMA \(schema.name) TO \(name)", parameters: []))
            try admin.execute(Query("GRANT SELECT ON ALL TABLES IN SCHEMA \(schema.name) TO \(name)", parameters: []))
        }

        /// The schema's URL with this role as the user (the test server trusts its unix socket).
        func connect(readOnly: Bool = false) throws -> PGConnection {
            let base = schema.baseURL.replacingOccurrences(of: "://switchyard@", with: "://\(name)@")
            return try TestSchema(name: schema.name, baseURL: base).connect(readOnly: readOnly)
        }

        func drop() {
            _ = try? admin.execute(Query("DROP OWNED BY \(name)", parameters: []))
            _ = try? admin.execute(Query("DROP ROLE \(name)", parameters: []))
        }
    }

    @Test func aSelectOnlyRoleReadsTheWholeSnapshot() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        try MonitorFixture.insert(into: schema.connect())
        let role = try ObserverRole(schema: schema)
        defer { role.drop() }
        let observer = try role.connect()
        // The role really cannot write, so what follows proves SELECT is enough.
        let refused = try #require(throws: DatabaseError.self) {
            try observer.execute("INSERT INTO execution_tasks (trade_id, event_type) VALUES ('x', 'ENTRY')")
        }
        #expect(refused.sqlState == .insufficientPrivilege)

        let queries = MonitorFixture.queries
        #expect(try queries.snapshot(on: observer, now: now) == MonitorFixture.expected)
        #expect(try queries.recentLogs(on: observer, before: 3, limit: 10) == [2, 1].map(MonitorFixture.entry))
        #expect(try queries.taskDetail(on: observer, id: TaskID(6))?.auditTrail == [3, 4].map(MonitorFixture.entry))
        #expect(try queries.listTasks(on: observer, filter: TaskFilter(statuses: [.held])) == [MonitorFixture.summary(9)])

        // A table the role may not read: that part says so, the others still show.
        try role.admin.execute(Query("REVOKE SELECT ON switchyard_routers FROM \(role.name)", parameters: []))
        let partial = try queries.snapshot(on: observer, now: now)
        #expect(partial.unavailable == ["routers": "permission denied: permission denied for table switchyard_routers"])
        let expected = MonitorFixture.expectedWithoutRouters(partial.unavailable)
        #expect(partial == expected)

        // Without SELECT on the per-minute table, the rates are counted from the audit rows.
        try role.admin.execute(Query("REVOKE SELECT ON switchyard_attempt_minutes FROM \(role.name)", parameters: []))
        #expect(try queries.detect(on: observer).hasAttemptMinutes == false)
        #expect(try queries.snapshot(on: observer, now: now) == expected)
    }

    @Test func aReadOnlySessionReadsTheWholeSnapshot() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        try MonitorFixture.insert(into: schema.connect())
        let observer = try schema.connect(readOnly: true)
        let refused = try #require(throws: DatabaseError.self) {
            try observer.execute("UPDATE execution_tasks SET attempts = 0")
        }
        #expect(refused.sqlState == .readOnlyTransaction)
        #expect(try MonitorFixture.queries.snapshot(on: observer, now: now) == MonitorFixture.expected)
        #expect(try MonitorQueries().listTasks(on: observer).count == 10)
    }

    /// A seed-only schema, filled from a session in New York time: the seed system's TIMESTAMP
    /// columns hold server-local time, and must read back as the same instants.
    func seedSchema(function: String = #function) throws -> TestSchema {
        let schema = try TestDatabase.makeSchema(function: function)
        let connection = try inNewYork(schema.connect())
        try connection.executeScript(TestDatabase.seedDDL, name: "seed")
        let tasks: [(String, String, String, Int, String?, TimeInterval)] = [
            ("T-1", "ENTRY", "SUCCESS", 1, nil, -7200),
            ("T-1", "EXIT", "FAILED", 3, "broker said no", -3600),
            ("T-2", "ENTRY", "PENDING", 0, nil, -300),
            ("T-3", "ENTRY", "PENDING", 0, nil, -60),
        ]
        for (trade, type, status, attempts, error, created) in tasks {
            try connection.execute(Query("""
                INSERT INTO execution_tasks (trade_id, event_type, status, attempts, last_error, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz)
                """, parameters: [trade, type, status, String(attempts), error, MonitorFixture.at(created).postgresText]))
        }
        try connection.execute(Query("""
            INSERT INTO execution_logs (task_id, status, response_code, response_body, created_at)
            VALUES (1, 'SUCCESS', 200, 'ok', $1::timestamptz), (2, 'FAILED', 500, 'broker said no', $2::timestamptz)
            """, parameters: [MonitorFixture.at(-100).postgresText, MonitorFixture.at(-3).postgresText]))
        return schema
    }

    /// The connection with the session time zone of the server in New York.
    func inNewYork(_ connection: PGConnection) throws -> PGConnection {
        try connection.execute("SET TimeZone = 'America/New_York'")
        return connection
    }

    static var seedExpected: DashboardSnapshot {
        func task(_ id: Int, _ trade: String, _ type: EventType, _ status: TaskStatus, _ attempts: Int, _ error: String?,
                  _ created: TimeInterval) -> TaskSummary {
            TaskSummary(id: TaskID(id), tradeID: trade, eventType: type, status: status, attempts: attempts, maxAttempts: nil,
                        lastError: error, createdAt: MonitorFixture.at(created), updatedAt: MonitorFixture.at(created))
        }
        func log(_ id: Int, _ task: Int, _ type: EventType, _ status: String, _ code: Int, _ body: String, _ at: TimeInterval,
                 _ taskStatus: TaskStatus) -> LogEntry {
            LogEntry(id: id, taskID: TaskID(task), tradeID: "T-1", eventType: type, event: nil, account: nil, status: status,
                     responseCode: code, message: body, actor: nil, routerID: nil, durationMilliseconds: nil,
                     createdAt: MonitorFixture.at(at), taskStatus: taskStatus)
        }
        let minutes = (-59...0).map { offset in
            // 09:58:50 (-100 s) is two minutes back; 10:00:27 (-3 s) is in the current minute.
            ProcessingRates.Minute(start: MonitorFixture.minute(offset), succeeded: offset == -2 ? 1 : 0,
                                   failed: offset == 0 ? 1 : 0)
        }
        let needs = "needs `switchyard migrate`"
        return DashboardSnapshot(
            takenAt: MonitorFixture.now,
            queue: QueueDepth(counts: [.pending: 2, .running: 0, .retrying: 0, .held: 0, .success: 1, .failed: 1, .dead: 0],
                              oldestEligibleAge: 300),
            rates: ProcessingRates(minutes: minutes, currentPerSecond: 0.1),
            recentLogs: [log(2, 2, .exit, "FAILED", 500, "broker said no", -3, .failed),
                         log(1, 1, .entry, "SUCCESS", 200, "ok", -100, .success)],
            failedTasks: [task(2, "T-1", .exit, .failed, 3, "broker said no", -3600)], deadTasks: [], heldTasks: [],
            unavailable: ["accounts": "\(needs) (switchyard_account_minutes is missing)",
                          "routers": "\(needs) (switchyard_routers is missing)",
                          "control": "\(needs) (switchyard_control is missing)",
                          "schedules": "\(needs) (switchyard_schedules is missing)",
                          "alerts": "\(needs) (switchyard_alert_rules is missing)"])
    }

    @Test func aSeedOnlyDatabaseShowsWhatItHasAndSaysWhatNeedsMigrating() throws {
        let schema = try seedSchema()
        let connection = try inNewYork(schema.connect())
        let features = try MonitorQueries().detect(on: connection)
        #expect(features.isSeedOnly && !features.hasAuditColumns && !features.hasRoutersTable && !features.hasControlTable)
        let zone: String = try connection.execute("SHOW TimeZone").first!.decode("TimeZone")
        #expect(zone == "America/New_York")
        let snapshot = try MonitorQueries().snapshot(on: connection, now: now)
        #expect(snapshot.queue == Self.seedExpected.queue)
        #expect(snapshot.rates == Self.seedExpected.rates)
        #expect(snapshot.recentLogs == Self.seedExpected.recentLogs)
        #expect(snapshot == Self.seedExpected)
        let detail = try #require(try MonitorQueries().taskDetail(on: connection, id: TaskID(2)))
        #expect(detail.availableAt == nil && detail.auditTrail.map(\.id) == [2])
    }

    @Test func aSelectOnlyRoleInAReadOnlySessionOnASeedOnlyDatabase() throws {
        let schema = try seedSchema()
        let role = try ObserverRole(schema: schema)
        defer { role.drop() }
        let observer = try inNewYork(role.connect(readOnly: true))
        #expect(try MonitorQueries().snapshot(on: observer, now: now) == Self.seedExpected)
        #expect(try MonitorQueries().recentLogs(on: observer, before: 2).map(\.id) == [1])
    }

    @Test func aDatabaseWithoutTheQueueTablesSaysWhatToRun() throws {
        let connection = try TestDatabase.makeSchema().connect()
        let snapshot = try MonitorQueries().snapshot(on: connection, now: now)
        #expect(Set(snapshot.unavailable.keys) == Set(SnapshotPart.allCases.map(\.rawValue)))
        #expect(snapshot.unavailable["queue"] == "needs `switchyard migrate` (execution_tasks is missing)")
        let error = try #require(throws: DatabaseError.self) { try MonitorQueries().listTasks(on: connection) }
        #expect(error.message.contains("execution_tasks is missing"))
        #expect(error.hint?.contains("switchyard migrate up") == true)
    }
}
