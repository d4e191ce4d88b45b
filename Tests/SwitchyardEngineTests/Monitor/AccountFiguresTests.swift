import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTUI

/// The accounts part: per-account figures kept by migration 11's trigger, read back beside what
/// the audit trail holds, after real routers drained real tasks.
@Suite(.database) struct AccountFiguresTests {
    /// Three accounts that take every ENTRY of the synthetic trades (and close them on EXIT).
    static let accountsJSON = """
        {"accounts": [
          {"name": "alpha", "point_value": 5, "risk_per_trade": 250, "max_contracts": 4},
          {"name": "bravo", "point_value": 5, "risk_per_trade": 500, "max_contracts": 2},
          {"name": "charlie", "point_value": 50, "risk_per_trade": 1000, "max_contracts": 3},
          {"name": "dormant", "enabled": false, "point_value": 50, "risk_per_trade": 500, "max_contracts": 1}
        ]}
        """

    static func accountsFile(_ json: String = accountsJSON) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("accounts-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs a headless router until the queue is drained.
    static func drain(_ schema: TestSchema, accounts: String, _ extra: [String] = []) throws {
        let output = try Executable.run(["router", "--exit-when-idle", "--poll-interval", "0.2", "--accounts", accounts,
                                         "--batch-size", "50"] + extra, environment: schema.processEnvironment)
        #expect(output.status == 0, "\(output.stderr)")
    }

    /// Accepted and refused attempts per account in the audit trail.
    static func auditCounts(_ connection: PGConnection) throws -> [String: (accepted: Int, refused: Int)] {
        var counts: [String: (Int, Int)] = [:]
        for row in try connection.execute("""
            SELECT account, count(*) FILTER (WHERE status = 'SUCCESS') AS accepted, count(*) FILTER (WHERE status = 'FAILED') AS refused
            FROM execution_logs WHERE event = 'ATTEMPT' AND account IS NOT NULL GROUP BY account
            """).rows {
            counts[try row.decode("account")] = (try row.decode("accepted"), try row.decode("refused"))
        }
        return counts
    }

    @Test func aDrainWithRefusalsCountsEachAccountAsTheAuditTrailDoes() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let tasks = DemoTraffic.trades(count: 150).map { task in
            NewTask(unchecked: task.tradeID, eventType: task.eventType, payload: task.payload, maxAttempts: 2)
        }
        try TaskQueue(connection: connection).enqueue(tasks)
        let file = try Self.accountsFile()
        try Self.drain(schema, accounts: file, ["--fail-rate", "0.3", "--seed", "11", "--latency-ms", "1"])

        let audit = try Self.auditCounts(connection)
        #expect(Set(audit.keys) == ["alpha", "bravo", "charlie"])
        #expect(audit.values.allSatisfy { $0.accepted > 0 && $0.refused > 0 }, "\(audit)")

        var config = MonitorQueries.Config()
        config.configuredAccounts = try AccountSet.load(path: file).accounts
        let snapshot = try MonitorQueries(config: config).snapshot(on: connection)
        let accounts = try #require(snapshot.accounts)
        #expect(accounts.map(\.name) == ["alpha", "bravo", "charlie", "dormant"])
        for account in accounts where account.name != "dormant" {
            #expect(account.enabled == true)
            #expect(account.acceptedLastHour == audit[account.name]?.accepted, "\(account.name)")
            #expect(account.refusedLastHour == audit[account.name]?.refused, "\(account.name)")
            let refusal = try #require(account.lastRefusal)
            #expect(refusal.message?.contains("simulated rejection by \(account.name)") == true)
            #expect(account.averageLatencyMilliseconds.map { $0 >= 1 } == true)
        }
        let dormant = try #require(accounts.last)
        #expect(dormant.enabled == false && dormant.acceptedLastHour == 0 && dormant.lastRefusal == nil)
        // Each account's newest refusal is the newest FAILED attempt in the audit trail.
        for account in accounts where account.name != "dormant" {
            let newest: Int = try connection.execute("""
                SELECT task_id FROM execution_logs WHERE account = \(account.name) AND event = 'ATTEMPT' AND status = 'FAILED'
                ORDER BY id DESC LIMIT 1
                """).first!.decode("task_id")
            #expect(account.lastRefusal?.taskID == TaskID(newest))
        }

        // Open positions: ENTRYs accepted whose EXIT no attempt got accepted (some EXITs ran out of attempts).
        for account in accounts where account.name != "dormant" {
            #expect(account.openPositions == (try connection.count("""
                SELECT count(*) AS n FROM execution_logs l JOIN execution_tasks t ON t.id = l.task_id
                WHERE l.account = \(account.name) AND l.event = 'ATTEMPT' AND l.status = 'SUCCESS' AND t.event_type = 'ENTRY'
                  AND NOT EXISTS (SELECT 1 FROM execution_tasks x JOIN execution_logs xl ON xl.task_id = x.id
                                  WHERE x.trade_id = t.trade_id AND x.event_type = 'EXIT' AND xl.account = l.account
                                    AND xl.event = 'ATTEMPT' AND xl.status = 'SUCCESS')
                """)), "\(account.name)")
        }
        // The dashboard's accounts panel shows the same numbers.
        for account in accounts {
            let counts = audit[account.name] ?? (0, 0)
            #expect(try Self.panelCounts(snapshot, account: account.name) == [counts.accepted, counts.refused, account.openPositions],
                    "\(account.name)")
        }

        // `stats --json` says the same.
        let output = try Executable.run(["stats", "--json", "--accounts", file], environment: schema.processEnvironment)
        #expect(output.status == 0, "\(output.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let listed = try #require(root["accounts"] as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == ["alpha", "bravo", "charlie", "dormant"])
        for item in listed {
            let name = try #require(item["name"] as? String)
            let lastHour = try #require(item["last_hour"] as? [String: Int])
            #expect(lastHour["accepted"] == (audit[name]?.accepted ?? 0) && lastHour["refused"] == (audit[name]?.refused ?? 0), "\(name)")
            #expect((item["minutes"] as? [Any])?.count == 60)
        }
        #expect(Set(listed[0].keys) == ["name", "configured", "enabled", "last_hour", "average_latency_ms", "last_refusal",
                                        "open_positions", "live", "minutes"])

        // The plain text lists them too.
        let text = try Executable.run(["stats", "--accounts", file], environment: schema.processEnvironment)
        #expect(text.stdout.contains("ACCOUNTS"))
        for (name, counts) in audit {
            let line = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("  \(name) ") })
            #expect(line.contains(" \(counts.accepted) ") && line.contains(" \(counts.refused) "), "\(line)")
        }
    }

    /// Accepted, refused and open positions as the dashboard's accounts panel draws them at 120x40.
    static func panelCounts(_ snapshot: DashboardSnapshot, account: String) throws -> [Int] {
        let size = TerminalSize(columns: 120, rows: 40)
        var model = DashboardModel(settings: DashboardSettings(databaseName: "test", readOnly: true), now: snapshot.takenAt,
                                   size: size)
        _ = update(&model, .snapshotLoaded(snapshot, at: snapshot.takenAt))
        var frame = CellBuffer(size: size)
        view(model, into: &frame, glyphs: .ascii)
        // The panel is the right-hand box of the middle row: "| alpha   123   4   0  ... |".
        let lines = (0..<size.rows).map { frame.line($0) }
        let titleRow = try #require(lines.firstIndex { $0.contains("Accounts, last hour") })
        let start = try #require(lines[titleRow].range(of: "+- Accounts")).lowerBound
        let row = try #require(lines[(titleRow + 1)...].map { String($0[start...]) }.first { $0.dropFirst(2).hasPrefix(account + " ") })
        let words = row.dropFirst(2).split(separator: " ").map(String.init)
        return words.dropFirst().prefix(3).map { Int($0.replacingOccurrences(of: ",", with: "")) ?? -1 }
    }

    @Test func aPositionIsOpenFromTheEntryUntilTheExit() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let file = try Self.accountsFile("""
            {"accounts": [
              {"name": "north", "point_value": 5, "risk_per_trade": 250, "max_contracts": 4},
              {"name": "south", "point_value": 50, "risk_per_trade": 1000, "max_contracts": 3},
              {"name": "shorts-only", "point_value": 5, "risk_per_trade": 250, "max_contracts": 4, "directions": ["SHORT"]}
            ]}
            """)
        let queue = TaskQueue(connection: connection)
        let entry = try queue.enqueue(NewTask(unchecked: "POS-1", eventType: .entry, payload: """
            {"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM"}
            """))
        try Self.drain(schema, accounts: file)

        let queries = MonitorQueries()
        let open = try #require(try queries.snapshot(on: connection).accounts)
        #expect(open.map(\.name) == ["north", "south"])
        #expect(open.map(\.openPositions) == [1, 1])
        #expect(try Self.panelCounts(try queries.snapshot(on: connection), account: "north")[2] == 1)
        for name in ["north", "south"] {
            let detail = try queries.accountDetail(on: connection, account: name)
            let position = try #require(detail.positions.first)
            #expect(detail.positions.count == 1)
            #expect(position.tradeID == "POS-1" && position.entryTaskID == entry && position.direction == "LONG")
            // 250 / (6.25 x 5) = 8, clamped to 4; 1000 / (6.25 x 50) = 3.2, so 3.
            #expect(position.contracts == (name == "north" ? 4 : 3))
            #expect(abs(position.openedAt.timeIntervalSinceNow) < 120)
            #expect(detail.recentAttempts.map(\.taskID) == [entry])
            #expect(detail.recentAttempts.first?.account == name)
        }
        #expect(try queries.accountDetail(on: connection, account: "shorts-only").positions.isEmpty)

        let exit = try queue.enqueue(NewTask(unchecked: "POS-1", eventType: .exit, payload: """
            {"kind":"EXIT","exit_type":"TP","exit_price":4170.0}
            """))
        try Self.drain(schema, accounts: file)
        let closed = try #require(try queries.snapshot(on: connection).accounts)
        #expect(closed.map(\.openPositions) == [0, 0])
        #expect(try Self.panelCounts(try queries.snapshot(on: connection), account: "south")[2] == 0)
        for name in ["north", "south"] {
            let detail = try queries.accountDetail(on: connection, account: name)
            #expect(detail.positions.isEmpty)
            #expect(detail.recentAttempts.map(\.taskID) == [exit, entry])
        }
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_open_positions") == 0)
    }

    @Test func migratingCountsTheLastHourAndTheOpenPositionsAlreadyThere() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        let migrator = Migrator()
        try migrator.up(on: connection, actor: "test@host")
        _ = try migrator.down(to: 10, on: connection)
        #expect(try connection.count("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'switchyard_open_positions' AND schemaname = current_schema()") == 0)
        // Audit rows written before migration 11: an ENTRY accepted by two accounts, one of them
        // closed by an accepted EXIT, and a refusal.
        try connection.execute("""
            INSERT INTO execution_tasks (id, trade_id, event_type, status, payload) VALUES
              (1, 'OLD-1', 'ENTRY', 'SUCCESS', '{"kind":"ENTRY","direction":"short"}'), (2, 'OLD-1', 'EXIT', 'SUCCESS', '{}')
            """)
        try connection.execute("""
            INSERT INTO execution_logs (task_id, status, event, account, response_body, duration_ms) VALUES
              (1, 'SUCCESS', 'ATTEMPT', 'east', 'dry-run: SELL 2 contracts at 4100.0 accepted (switchyard-1-east)', 10),
              (1, 'SUCCESS', 'ATTEMPT', 'west', 'dry-run: SELL 1 contract at 4100.0 accepted (switchyard-1-west)', 30),
              (2, 'FAILED', 'ATTEMPT', 'west', 'refused', 20),
              (2, 'SUCCESS', 'ATTEMPT', 'east', 'closed', 20)
            """)
        try migrator.up(on: connection, actor: "test@host")
        let accounts = try #require(try MonitorQueries().snapshot(on: connection).accounts)
        #expect(accounts.map(\.name) == ["east", "west"])
        #expect(accounts.map(\.acceptedLastHour) == [2, 1] && accounts.map(\.refusedLastHour) == [0, 1])
        #expect(accounts.map(\.openPositions) == [0, 1])
        #expect(accounts.map(\.averageLatencyMilliseconds) == [15, 25])
        #expect(accounts[1].lastRefusal?.message == "refused")
        let west = try MonitorQueries().accountDetail(on: connection, account: "west").positions
        #expect(west.map(\.contracts) == [1] && west.map(\.direction) == ["SHORT"])
    }
}
