import Foundation
import Testing
@testable import SwitchyardEngine

@Suite(.database) struct MonitorQueriesTests {
    let now = MonitorFixture.now

    func fixtureConnection(function: String = #function) throws -> PGConnection {
        let connection = try TestDatabase.makeMigratedSchema(function: function).connect()
        try MonitorFixture.insert(into: connection)
        return connection
    }

    @Test func snapshotMatchesTheHandBuiltFixtureExactly() throws {
        let connection = try fixtureConnection()
        let snapshot = try MonitorFixture.queries.snapshot(on: connection, now: now)
        let expected = MonitorFixture.expected
        // Part by part first, so a failure points at the part.
        #expect(snapshot.unavailable == [:])
        #expect(snapshot.queue == expected.queue)
        #expect(snapshot.rates?.minutes.count == 60)
        #expect(snapshot.rates?.minutes.first?.start == MonitorFixture.minute(-59))
        #expect(snapshot.rates == expected.rates)
        #expect(snapshot.recentLogs == expected.recentLogs)
        #expect(snapshot.failedTasks == expected.failedTasks)
        #expect(snapshot.deadTasks == expected.deadTasks)
        #expect(snapshot.heldTasks == expected.heldTasks)
        #expect(snapshot.routers == expected.routers)
        #expect(snapshot.control == expected.control)
        #expect(snapshot == expected)
    }

    @Test func withoutANowTheServerClockIsUsed() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let serverNow: Date = try connection.execute("SELECT now() AS now").first!.decode("now")
        let snapshot = try MonitorQueries().snapshot(on: connection)
        #expect(snapshot.takenAt >= serverNow)
        #expect(snapshot.queue == QueueDepth(counts: [.pending: 0, .running: 0, .retrying: 0, .held: 0, .success: 0,
                                                      .failed: 0, .dead: 0], oldestEligibleAge: nil))
        #expect(snapshot.rates?.minutes.allSatisfy { $0.succeeded == 0 && $0.failed == 0 } == true)
        #expect(snapshot.control == ControlState(globalPaused: false, pausedEventTypes: [], changedBy: nil, changedAt: nil,
                                                 reason: nil))
        let minuteStart = (snapshot.takenAt.timeIntervalSince1970 / 60).rounded(.down) * 60
        #expect(snapshot.rates?.minutes.last?.start == Date(timeIntervalSince1970: minuteStart))
    }

    @Test func filtersNarrowTheTaskListsByEventTypeAndTradeText() throws {
        let connection = try fixtureConnection()
        let queries = MonitorFixture.queries
        let exits = try queries.snapshot(on: connection, filter: TaskFilter(eventType: .exit), now: now)
        #expect(exits.failedTasks == [MonitorFixture.summary(6)])
        #expect(exits.deadTasks == [])
        #expect(exits.heldTasks == [MonitorFixture.summary(9)])
        // Case-insensitive substring of trade_id.
        let es = try queries.snapshot(on: connection, filter: TaskFilter(tradeIDContains: "ES-"), now: now)
        #expect(es.failedTasks == [MonitorFixture.summary(7)])
        // Pattern characters match literally.
        for text in ["%", "_-%", "\\"] {
            #expect(try queries.snapshot(on: connection, filter: TaskFilter(tradeIDContains: text), now: now).failedTasks == [])
        }
        #expect(try queries.listTasks(on: connection, filter: TaskFilter(tradeIDContains: "t-_")) == [])
        #expect(try queries.listTasks(on: connection, filter: TaskFilter(tradeIDContains: "t-1")).map(\.id) == [TaskID(2), TaskID(1)])
    }

    @Test func listTasksByStatusesTypeAndTextNewestFirst() throws {
        let connection = try fixtureConnection()
        let queries = MonitorQueries()
        #expect(try queries.listTasks(on: connection).map(\.id.rawValue) == Array((1...10).reversed()))
        #expect(try queries.listTasks(on: connection, limit: 3).map(\.id.rawValue) == [10, 9, 8])
        #expect(try queries.listTasks(on: connection, filter: TaskFilter(statuses: [.pending, .retrying]))
            == [10, 4, 3, 2].map(MonitorFixture.summary))
        #expect(try queries.listTasks(on: connection, filter: TaskFilter(statuses: [.retrying], eventType: .entry,
                                                                         tradeIDContains: "t-3"))
            == [MonitorFixture.summary(4)])
        #expect(try queries.listTasks(on: connection, filter: TaskFilter(statuses: [.other("CANCELLED")])) == [])
    }

    @Test func recentLogsPageBackWithACursor() throws {
        let connection = try fixtureConnection()
        let queries = MonitorQueries()
        var pages: [[Int]] = []
        var cursor: Int?
        repeat {
            let page = try queries.recentLogs(on: connection, before: cursor, limit: 4)
            pages.append(page.map(\.id))
            cursor = page.last?.id
        } while cursor != nil
        #expect(pages == [[10, 9, 8, 7], [6, 5, 4, 3], [2, 1], []])
        #expect(try queries.recentLogs(on: connection, before: 5, limit: 2) == [4, 3].map(MonitorFixture.entry))
    }

    @Test func taskDetailHasThePayloadAndTheWholeAuditTrailOldestFirst() throws {
        let connection = try fixtureConnection()
        try connection.execute("""
            UPDATE execution_tasks SET payload = '{"kind":"EXIT","exit_type":"SL","exit_price":4150.00}', locked_by = 'r-a'
            WHERE id = 6
            """)
        let detail = try #require(try MonitorQueries().taskDetail(on: connection, id: TaskID(6)))
        #expect(detail.summary == MonitorFixture.summary(6))
        #expect(detail.payload == #"{"kind": "EXIT", "exit_type": "SL", "exit_price": 4150.00}"#)
        #expect(detail.prettyPayload == """
            {
              "kind": "EXIT",
              "exit_type": "SL",
              "exit_price": 4150.00
            }
            """)
        #expect(detail.availableAt == MonitorFixture.at(-3000))
        #expect(detail.lockedBy == "r-a")
        #expect(detail.deadLetterReason == nil)
        #expect(detail.auditTrail == [3, 4].map(MonitorFixture.entry))
        let dead = try #require(try MonitorQueries().taskDetail(on: connection, id: TaskID(8)))
        #expect(dead.deadLetterReason == "poison")
        #expect(dead.payload == nil && dead.prettyPayload == nil && dead.auditTrail == [])
        #expect(try MonitorQueries().taskDetail(on: connection, id: TaskID(999)) == nil)
    }

    @Test func aDominantStatusIsEstimatedFromStatisticsAndMarked() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        try connection.execute("""
            INSERT INTO execution_tasks (trade_id, event_type, status)
            SELECT 'T-' || n, 'ENTRY', CASE WHEN n <= 3 THEN 'PENDING' WHEN n = 4 THEN 'FAILED' ELSE 'SUCCESS' END
            FROM generate_series(1, 40) AS n
            """)
        try connection.execute("ANALYZE execution_tasks")
        var config = MonitorQueries.Config()
        config.exactCountLimit = 5
        let queue = try #require(try MonitorQueries(config: config).snapshot(on: connection, now: now).queue)
        #expect(queue.estimated == [.success])
        // The others are exact, so the estimate is the rest of the analysed table.
        #expect(queue.counts == [.pending: 3, .failed: 1, .success: 36, .running: 0, .retrying: 0, .held: 0, .dead: 0])
        // Under the limit, every count is exact.
        let exact = try #require(try MonitorQueries().snapshot(on: connection, now: now).queue)
        #expect(exact.estimated == [])
        #expect(exact.count(.success) == 36)
    }

    @Test func aPartThatTimesOutIsUnavailableAndTheOthersStillShow() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try MonitorFixture.insert(into: connection)
        // Another session holds a lock the routers part must wait for.
        let blocker = try schema.connect()
        try blocker.execute("BEGIN")
        try blocker.execute("LOCK TABLE switchyard_routers IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? blocker.execute("ROLLBACK") }
        var queries = MonitorFixture.queries
        queries.config.statementTimeout = .milliseconds(200)
        let snapshot = try queries.snapshot(on: connection, now: now)
        #expect(snapshot.unavailable == ["routers": "timed out after 200ms (statement_timeout)"])
        let expected = MonitorFixture.expectedWithoutRouters(snapshot.unavailable)
        #expect(snapshot == expected)
        // The connection is usable afterwards, outside any transaction.
        #expect(try connection.execute("SELECT count(*) AS n FROM execution_tasks").first!.decode("n", as: Int.self) == 10)
        // With the lock timeout shorter than the statement timeout, the reason names the lock.
        queries.config.statementTimeout = .seconds(5)
        queries.config.lockTimeout = .milliseconds(100)
        let locked = try queries.snapshot(on: connection, now: now)
        #expect(locked.unavailable == ["routers": "waited more than 100ms for a lock (a migration or VACUUM FULL?)"])
        #expect(locked.queue == expected.queue)
    }

    @Test func thePerMinuteTableAgreesWithTheAuditRows() throws {
        let connection = try fixtureConnection()
        let queries = MonitorFixture.queries
        let features = try queries.detect(on: connection)
        #expect(features.hasAttemptMinutes)
        // Batches as a router writes them: one statement, several minutes, a skipped duplicate
        // acceptance (ON CONFLICT DO NOTHING), and rows that are not finished attempts.
        for batch in 0..<3 {
            try connection.execute(Query("""
                INSERT INTO execution_logs (id, task_id, event, status, created_at, account)
                SELECT $2::int + n, 3, e, s, $1::timestamptz + o * interval '1 second', a
                FROM (VALUES (1, 'ATTEMPT', 'SUCCESS', -1500, 'b-ok'), (2, 'ATTEMPT', 'FAILED', -1490, 'b-no'),
                             (3, 'ATTEMPT', 'SUCCESS', -1440, 'b-ok'), (4, 'ATTEMPT', 'SKIPPED', -1440, 'b-skip'),
                             (5, 'HELD', 'PENDING', -1430, 'b-held'), (6, 'ATTEMPT', 'FAILED', -200, 'b-no'))
                     AS v(n, e, s, o, a)
                ON CONFLICT (task_id, account) WHERE event = 'ATTEMPT' AND status = 'SUCCESS' DO NOTHING
                """, parameters: [now.postgresText, String(100 + batch * 10)]))
            // Read at a later `now` each time, so more of the rows fall in settled minutes.
            let later = now.addingTimeInterval(Double(batch) * 600)
            var auditRowsOnly = features
            auditRowsOnly.hasAttemptMinutes = false
            #expect(try queries.processingRates(on: connection, features: features, now: later)
                    == queries.processingRates(on: connection, features: auditRowsOnly, now: later))
        }
        let sums = try #require(try connection.execute("""
            SELECT sum(succeeded)::bigint AS succeeded, sum(failed)::bigint AS failed FROM switchyard_attempt_minutes
            """).first)
        // The fixture's 5 successes and 3 failures, one accepted "b-ok" and three batches' 2 failures each.
        #expect(try sums.decode("succeeded", as: Int.self) == 6)
        #expect(try sums.decode("failed", as: Int.self) == 9)
    }

    @Test func aRatesCacheRereadsOnlyTheLastMinutesUntilAFullReadIsDue() throws {
        let connection = try fixtureConnection()
        var queries = MonitorFixture.queries
        queries.ratesCache = RatesCache()
        #expect(try queries.snapshot(on: connection, now: now) == MonitorFixture.expected)
        func addAttempt(at offset: TimeInterval, id: Int) throws {
            try connection.execute(Query("""
                INSERT INTO execution_logs (id, task_id, event, status, created_at, account)
                VALUES ($1, 1, 'ATTEMPT', 'SUCCESS', $2::timestamptz, $3)
                """, parameters: [String(id), MonitorFixture.at(offset).postgresText, "late-\(id)"]))
        }
        // A row in a settled minute (09:30) is not re-read; rows in the last two minutes are.
        try addAttempt(at: -1820, id: 11)
        try addAttempt(at: -70, id: 12)   // 09:59:20
        let cachedRates = try #require(try queries.snapshot(on: connection, now: now).rates)
        var expected = MonitorFixture.expectedMinutes
        expected[58].succeeded += 1
        #expect(cachedRates.minutes == expected)
        // Without a cache, or once a full read is due, the whole hour is read again.
        expected[29].succeeded += 1
        #expect(try MonitorFixture.queries.snapshot(on: connection, now: now).rates?.minutes == expected)
        let later = now.addingTimeInterval(queries.config.ratesFullReadInterval)
        let reread = try #require(try queries.snapshot(on: connection, now: later).rates)
        let shift = Int(queries.config.ratesFullReadInterval / 60)
        #expect(reread.minutes.map(\.start) == (-59 + shift...shift).map(MonitorFixture.minute))
        var shifted = Array(expected.suffix(60 - shift))
        shifted[shifted.count - 1].succeeded += 1   // 10:00:31 is no longer after now
        #expect(Array(reread.minutes.prefix(60 - shift)) == shifted)
        #expect(reread.minutes.suffix(shift).allSatisfy { $0.succeeded == 0 && $0.failed == 0 })
        // A clock that goes backwards drops the cache rather than show rows from after it.
        #expect(try queries.snapshot(on: connection, now: now).rates?.minutes == expected)
    }

    @Test func theClientWrappersReadTheSameThings() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        try MonitorFixture.insert(into: schema.connect())
        let client = try await DatabaseClient.connect(schema.settings(readOnly: true))
        let snapshot = try await client.snapshot(now: now, queries: MonitorFixture.queries)
        #expect(snapshot == MonitorFixture.expected)
        #expect(try await client.recentLogs(before: 3).map(\.id) == [2, 1])
        #expect(try await client.listTasks(filter: TaskFilter(statuses: [.dead])) == [MonitorFixture.summary(8)])
        #expect(try await client.taskDetail(id: TaskID(9))?.summary == MonitorFixture.summary(9))
        #expect(MonitorQueries.minimumRefreshInterval == .milliseconds(250))
    }
}
