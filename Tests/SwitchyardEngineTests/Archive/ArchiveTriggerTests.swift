import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine

/// Migration 15 opens one narrow path for DELETE on the audit trail; every other path stays shut.
@Suite(.database) struct ArchiveTriggerTests {
    let connection: PGConnection

    init() throws {
        connection = try TestDatabase.makeMigratedSchema().connect()
        try connection.executeScript(ArchiveFixture.seedSQL(trades: 6), name: "seed")
    }

    /// A ledger row in `state` for 2024-01 whose members are the tasks of `trade`.
    func ledger(_ state: String, trade: String = "old-1") throws -> Int64 {
        let id: Int64 = try connection.execute("""
            INSERT INTO switchyard_archive_ledger (month, part, cutoff, actor)
            VALUES ('2024-01-01', (SELECT coalesce(max(part), 0) + 1 FROM switchyard_archive_ledger), now(), 'test') RETURNING id
            """).first!.decode("id")
        try connection.execute("""
            INSERT INTO switchyard_archive_members (ledger_id, task_id, logs)
            SELECT \(id), t.id, (SELECT count(*) FROM execution_logs l WHERE l.task_id = t.id)
            FROM execution_tasks t WHERE t.trade_id = \(trade)
            """)
        if state != "planned" {
            try connection.execute("""
                UPDATE switchyard_archive_ledger SET state = 'deleting', written_at = now(), file = '/x', tasks = 2, logs = 3,
                    bytes = 1, sha256 = repeat('a', 64) WHERE id = \(id)
                """)
        }
        return id
    }

    func rejected(_ sql: String) throws -> Bool {
        do {
            try connection.transaction { try $0.executeScript(sql, name: "attempt") }
            return false
        } catch let error as DatabaseError {
            return error.message.contains("append-only") || error.message.contains("archive")
        }
    }

    func claim(_ ledger: Int64) -> String {
        "SELECT set_config('switchyard.archive_ledger', '\(ledger)/' || pg_current_xact_id()::text, true);"
    }

    var old1 = "(SELECT id FROM execution_tasks WHERE trade_id = 'old-1')"

    @Test func everyDeleteOutsideTheArchivePathIsRejected() throws {
        let logs = try connection.count("SELECT count(*) AS n FROM execution_logs")
        let deleting = try ledger("deleting")
        // Plain SQL, as a careless operator would type it.
        #expect(try rejected("DELETE FROM execution_logs WHERE task_id IN \(old1)"))
        #expect(try rejected("DELETE FROM execution_tasks WHERE trade_id = 'old-1'"))
        #expect(try rejected("TRUNCATE execution_logs CASCADE"))
        // A setting made session-wide in an earlier transaction names that transaction, not this one.
        try connection.executeScript("SELECT set_config('switchyard.archive_ledger', '\(deleting)/' || pg_current_xact_id()::text, false)",
                                     name: "session-wide setting")
        #expect(try rejected("DELETE FROM execution_logs WHERE task_id IN \(old1)"))
        try connection.execute("RESET switchyard.archive_ledger")
        // A made-up value, or a ledger row that is not deleting.
        #expect(try rejected("SET LOCAL switchyard.archive_ledger = '\(deleting)/1'; DELETE FROM execution_logs WHERE task_id IN \(old1)"))
        let planned = try ledger("planned", trade: "old-5")
        #expect(try rejected(claim(planned) + "DELETE FROM execution_tasks WHERE trade_id = 'old-5'"))
        // The right ledger row, but rows of a task it does not hold.
        #expect(try rejected(claim(deleting) + "DELETE FROM execution_logs WHERE task_id IN (SELECT id FROM execution_tasks WHERE trade_id = 'old-2')"))
        #expect(try rejected(claim(deleting) + "DELETE FROM execution_tasks WHERE trade_id = 'recent'"))
        // Its tasks' audit rows, but without the tasks, or only some of them (one left behind).
        #expect(try rejected(claim(deleting) + "DELETE FROM execution_logs WHERE task_id IN \(old1)"))
        #expect(try rejected(claim(deleting) + "DELETE FROM execution_logs WHERE id = (SELECT max(id) FROM execution_logs WHERE task_id IN \(old1))"))
        // A task with no audit row that the ledger row does not hold.
        try connection.execute("INSERT INTO execution_tasks (trade_id, event_type, status) VALUES ('bare', 'ENTRY', 'SUCCESS')")
        #expect(try rejected(claim(deleting) + "DELETE FROM execution_tasks WHERE trade_id = 'bare'"))
        // Its tasks, with an audit row added since the file was written.
        try connection.execute("INSERT INTO execution_logs (task_id, status, event) SELECT min(id), 'SUCCESS', 'HELD' FROM execution_tasks WHERE trade_id = 'old-1'")
        #expect(try rejected(claim(deleting) + "DELETE FROM execution_tasks WHERE trade_id = 'old-1'"))
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs") == logs + 1)
    }

    @Test func theArchivePathDeletesExactlyItsMembersAndUpdatesStayRejected() throws {
        let deleting = try ledger("deleting")
        #expect(try !rejected(claim(deleting) + "DELETE FROM execution_tasks WHERE trade_id = 'old-1'"))
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id = 'old-1'") == 0)
        // UPDATE of the audit trail is rejected whoever asks, the archive path included.
        #expect(try rejected("UPDATE execution_logs SET status = 'FAILED' WHERE id = (SELECT min(id) FROM execution_logs)"))
        #expect(try rejected(claim(deleting) + "UPDATE execution_logs SET status = 'FAILED' WHERE id = (SELECT min(id) FROM execution_logs)"))
    }

    @Test func aTaskBeingArchivedIsFrozenAndTheLedgerOnlyMovesForward() throws {
        let planned = try ledger("planned")
        // An operator's retry of a FAILED member (old-1 made FAILED by plain SQL first is refused too).
        #expect(try rejected("UPDATE execution_tasks SET status = 'PENDING' WHERE trade_id = 'old-1'"))
        // Tasks in no archive change as before.
        #expect(try !rejected("UPDATE execution_tasks SET status = 'PENDING' WHERE trade_id = 'old-2'"))
        #expect(try rejected("UPDATE switchyard_archive_ledger SET state = 'done', finished_at = now() WHERE id = \(planned)"))
        #expect(try rejected("DELETE FROM switchyard_archive_ledger"))
        let deleting = try ledger("deleting", trade: "old-5")
        #expect(try rejected("UPDATE switchyard_archive_ledger SET state = 'planned' WHERE id = \(deleting)"))
        #expect(try rejected("UPDATE switchyard_archive_ledger SET sha256 = repeat('b', 64) WHERE id = \(deleting)"))
        // Members join a month only while it is planned.
        #expect(try rejected("INSERT INTO switchyard_archive_members (ledger_id, task_id, logs) SELECT \(deleting), id, 0 FROM execution_tasks WHERE trade_id = 'old-4'"))
    }

    @Test func onlyAPartBeingDeletedIsSupersededOnlyByAPartNamingItAndThenForGood() throws {
        let planned = try ledger("planned", trade: "old-4"), deleting = try ledger("deleting", trade: "old-5")
        let superseded = "UPDATE switchyard_archive_ledger SET state = 'superseded', finished_at = now() WHERE id = "
        // No part names it yet; a planned part is rewritten, never superseded.
        #expect(try rejected(superseded + "\(deleting)"))
        try connection.execute("""
            INSERT INTO switchyard_archive_ledger (month, part, cutoff, actor, supersedes)
            VALUES ('2024-01-01', 9, now(), 'test', \(deleting)), ('2024-01-01', 10, now(), 'test', \(planned))
            """)
        #expect(try rejected(superseded + "\(planned)"))
        try connection.execute(Query(superseded + "\(deleting)", parameters: []))
        // Final, like done, and what it supersedes is fixed; a part is superseded once.
        #expect(try rejected("UPDATE switchyard_archive_ledger SET state = 'done' WHERE id = \(deleting)"))
        #expect(try rejected("UPDATE switchyard_archive_ledger SET supersedes = NULL WHERE supersedes = \(deleting)"))
        #expect(throws: DatabaseError.self) {
            try connection.execute("""
                INSERT INTO switchyard_archive_ledger (month, part, cutoff, actor, supersedes)
                VALUES ('2024-01-01', 11, now(), 'test', \(deleting))
                """)
        }
    }
}
