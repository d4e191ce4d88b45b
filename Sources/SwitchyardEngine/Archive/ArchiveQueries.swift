import FoundationEssentials

/// The SQL of `switchyard archive`, one named query per step (docs/operations.md, "Archive").
enum ArchiveQueries {
    /// One archive at a time per schema (the tables' own): a second run would pick the same months.
    static let lockKey = 0x5357_4152 // "SWAR"

    static let hasLedger: Query = "SELECT to_regclass('switchyard_archive_ledger') IS NOT NULL AS present"

    static func tryLock() -> Query {
        Query("SELECT pg_try_advisory_lock(\(lockKey)::int, hashtext(current_schema())) AS locked").named("archiveLock")
    }


    /// True when the ledger can say a part was superseded (migration 19).
    static let hasSupersededParts: Query = """
        SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('switchyard_archive_ledger')
                       AND attname = 'supersedes' AND NOT attisdropped) AS present
        """

    /// Months started and not finished, oldest first: a rerun finishes these before anything else.
    static let inProgress: Query = """
        SELECT id, to_char(month, 'YYYY-MM') AS month, part, state, file, tasks, logs
        FROM switchyard_archive_ledger WHERE state IN ('planned', 'deleting') ORDER BY month, part
        """

    /// When a task finished, for the cutoff: seed rows have no finished_at; their last update is
    /// server-local TIMESTAMP, read as the server's time.
    private static let finishedAt = "coalesce(t.finished_at, t.dead_lettered_at, t.updated_at::timestamptz, t.created_at::timestamptz)"

    /// The tasks this run may archive, with their month, into a temporary table: every task of a
    /// trade whose tasks all finished before the cutoff, unless the trade holds an open position
    /// (its ENTRY is still someone's position) or a task is already in an archive in progress.
    ///
    /// In two steps, the trades first (counted by ANALYZE), then their tasks: in one statement
    /// the planner guesses how many trades pass the HAVING and the open positions from the
    /// statistics, and at 30 million tasks (before migration 22 fixed the count of trade ids,
    /// 679,407 sampled for 15 million) it guessed one task and joined the tasks to the trades
    /// in a nested loop that ran over 9 minutes (docs/performance.md, "At thirty million
    /// tasks"). Counted, the join is a hash join whatever the statistics say.
    static func chooseCandidates(cutoff: Date) -> [Query] {
        [
            """
            CREATE TEMP TABLE IF NOT EXISTS switchyard_archive_trades (trade_id TEXT NOT NULL)
            """,
            """
            CREATE TEMP TABLE IF NOT EXISTS switchyard_archive_candidates (
                task_id INTEGER PRIMARY KEY, month DATE NOT NULL)
            """,
            "TRUNCATE switchyard_archive_trades, switchyard_archive_candidates",
            Query("""
            INSERT INTO switchyard_archive_trades (trade_id)
            SELECT finished.trade_id FROM (
                SELECT t.trade_id FROM execution_tasks t
                GROUP BY t.trade_id
                HAVING bool_and(coalesce(t.status IN (\(statuses: TaskStatus.finished))
                                         AND \(unescaped: finishedAt) < \(cutoff)::timestamptz
                                         AND coalesce(t.created_at, t.updated_at) IS NOT NULL, false))) AS finished
            WHERE NOT EXISTS (SELECT 1 FROM switchyard_open_positions p WHERE p.trade_id = finished.trade_id)
            """).named("archiveTrades"),
            "ANALYZE switchyard_archive_trades",
            Query("""
            INSERT INTO switchyard_archive_candidates (task_id, month)
            SELECT t.id, date_trunc('month', coalesce(t.created_at, t.updated_at))::date
            FROM switchyard_archive_trades a JOIN execution_tasks t ON t.trade_id = a.trade_id
            WHERE NOT EXISTS (SELECT 1 FROM switchyard_archive_members m WHERE m.task_id = t.id)
            """).named("archiveCandidates"),
            "ANALYZE switchyard_archive_candidates",
        ]
    }

    static func cutoff(olderThan: TimeSpan) -> Query {
        Query("SELECT now() - make_interval(secs => \(olderThan.duration.seconds)) AS cutoff").named("archiveCutoff")
    }

    /// Tasks and audit rows per candidate month.
    static let candidateMonths: Query = """
        SELECT to_char(c.month, 'YYYY-MM') AS month, count(*) AS tasks, sum(n.logs) AS logs
        FROM switchyard_archive_candidates c
        CROSS JOIN LATERAL (SELECT count(*) AS logs FROM execution_logs l WHERE l.task_id = c.task_id) AS n
        GROUP BY c.month ORDER BY c.month
        """

    /// A ledger row for `month` (its next part), planned.
    static func insertLedger(month: String, cutoff: Date, actor: String) -> Query {
        Query("""
        INSERT INTO switchyard_archive_ledger (month, part, cutoff, actor)
        VALUES (\(month + "-01")::date,
                coalesce((SELECT max(part) FROM switchyard_archive_ledger WHERE month = \(month + "-01")::date), 0) + 1,
                \(cutoff), \(actor))
        RETURNING id, part
        """).named("archivePlanMonth")
    }

    /// The month's candidates still finished become members, each with its audit row count.
    static func insertMembers(ledger: Int64, month: String) -> Query {
        Query("""
        INSERT INTO switchyard_archive_members (ledger_id, task_id, logs)
        SELECT \(ledger), c.task_id, (SELECT count(*) FROM execution_logs l WHERE l.task_id = c.task_id)
        FROM switchyard_archive_candidates c JOIN execution_tasks t ON t.id = c.task_id
        WHERE c.month = \(month + "-01")::date AND t.status IN (\(statuses: TaskStatus.finished))
        ORDER BY c.task_id
        """).named("archiveMembers")
    }

    /// Members that changed between choosing and committing (the freeze trigger holds them
    /// from then on) leave the month before its file is written.
    static func pruneMembers(ledger: Int64) -> Query {
        Query("""
        DELETE FROM switchyard_archive_members m
        WHERE m.ledger_id = \(ledger)
          AND NOT EXISTS (SELECT 1 FROM execution_tasks t
                          WHERE t.id = m.task_id AND t.status IN (\(statuses: TaskStatus.finished)))
        """).named("archivePruneMembers")
    }

    /// Audit rows counted again, for a month whose file saw more rows than its members say.
    static func recountMembers(ledger: Int64) -> Query {
        Query("""
        UPDATE switchyard_archive_members m
        SET logs = (SELECT count(*) FROM execution_logs l WHERE l.task_id = m.task_id)
        WHERE m.ledger_id = \(ledger)
        """).named("archiveRecountMembers")
    }

    static func memberTotals(ledger: Int64) -> Query {
        Query("""
        SELECT count(*) AS tasks, coalesce(sum(logs), 0) AS logs
        FROM switchyard_archive_members WHERE ledger_id = \(ledger)
        """).named("archiveMemberTotals")
    }

    /// The next page of a month's tasks, each row as JSON (every column, as the server prints it).
    static func taskPage(ledger: Int64, after: Int, limit: Int) -> Query {
        Query("""
        SELECT t.id, row_to_json(t)::text AS row
        FROM switchyard_archive_members m JOIN execution_tasks t ON t.id = m.task_id
        WHERE m.ledger_id = \(ledger) AND m.task_id > \(after)
        ORDER BY m.task_id LIMIT \(limit)
        """).named("archiveTaskPage")
    }

    static func logRows(taskIDs: [Int]) -> Query {
        Query("""
        SELECT row_to_json(l)::text AS row FROM execution_logs l
        WHERE l.task_id = ANY(\(taskIDs)::int[]) ORDER BY l.task_id, l.id
        """).named("archiveLogRows")
    }

    static func markWritten(ledger: Int64, file: String, tasks: Int, logs: Int, bytes: Int, sha256: String) -> Query {
        Query("""
        UPDATE switchyard_archive_ledger
        SET state = 'deleting', written_at = now(), file = \(file), tasks = \(tasks), logs = \(logs),
            bytes = \(bytes), sha256 = \(sha256)
        WHERE id = \(ledger) AND state = 'planned'
        """).named("archiveMarkWritten")
    }

    static func memberBatch(ledger: Int64, after: Int, limit: Int) -> Query {
        Query("""
        SELECT task_id FROM switchyard_archive_members
        WHERE ledger_id = \(ledger) AND task_id > \(after) ORDER BY task_id LIMIT \(limit)
        """).named("archiveMemberBatch")
    }

    /// Names this transaction as the one deleting for `ledger` (migration 15's trigger checks it).
    static func claimDeletion(ledger: Int64) -> Query {
        Query("""
        SELECT set_config('switchyard.archive_ledger', \(String(ledger))::text || '/' || pg_current_xact_id()::text, true)
        """).named("archiveClaimDeletion")
    }

    /// The tasks leave and their audit rows with them (ON DELETE CASCADE): the one way migration
    /// 15's triggers let audit rows go. Counts what left.
    static func deleteTasks(taskIDs: [Int]) -> Query {
        Query("""
            WITH gone AS (DELETE FROM execution_tasks WHERE id = ANY(\(taskIDs)::int[]) RETURNING id)
            SELECT count(*) AS tasks,
                   coalesce((SELECT sum(m.logs) FROM switchyard_archive_members m WHERE m.task_id IN (SELECT id FROM gone)), 0) AS logs
            FROM gone
            """).named("archiveDeleteTasks")
    }

    /// Locks a batch's tasks (a late audit row for one now waits for this transaction, and then
    /// finds it gone); `lateMembers` then counts those still here whose audit rows are not the
    /// ones their file holds (members a killed run deleted already count none).
    static func lockBatch(taskIDs: [Int]) -> Query {
        Query("SELECT id FROM execution_tasks WHERE id = ANY(\(taskIDs)::int[]) ORDER BY id FOR UPDATE").named("archiveLockBatch")
    }

    static func lateMembers(ledger: Int64, taskIDs: [Int]) -> Query {
        Query("""
        SELECT count(*) AS late FROM switchyard_archive_members m
        WHERE m.ledger_id = \(ledger) AND m.task_id = ANY(\(taskIDs)::int[])
          AND EXISTS (SELECT 1 FROM execution_tasks t WHERE t.id = m.task_id)
          AND m.logs <> (SELECT count(*) FROM execution_logs l WHERE l.task_id = m.task_id)
        """).named("archiveLateMembers")
    }

    /// A new part of `ledger`'s month that supersedes it, planned; then `ledger`'s tasks still in
    /// the database become its members (audit rows counted again), and `ledger` ends superseded.
    static func supersede(ledger: Int64, actor: String) -> [Query] {
        [
            Query("""
            INSERT INTO switchyard_archive_ledger (month, part, cutoff, actor, supersedes)
            SELECT o.month, (SELECT max(part) FROM switchyard_archive_ledger WHERE month = o.month) + 1, o.cutoff, \(actor), o.id
            FROM switchyard_archive_ledger o WHERE o.id = \(ledger) AND o.state = 'deleting'
            RETURNING id, to_char(month, 'YYYY-MM') AS month, part, state
            """).named("archiveSupersedingPart"),
            Query("""
            WITH moved AS (DELETE FROM switchyard_archive_members WHERE ledger_id = \(ledger) RETURNING task_id)
            INSERT INTO switchyard_archive_members (ledger_id, task_id, logs)
            SELECT s.id, moved.task_id, (SELECT count(*) FROM execution_logs l WHERE l.task_id = moved.task_id)
            FROM moved JOIN execution_tasks t ON t.id = moved.task_id
                 JOIN switchyard_archive_ledger s ON s.supersedes = \(ledger)
            ORDER BY moved.task_id
            """).named("archiveMoveMembers"),
            Query("""
            UPDATE switchyard_archive_ledger SET state = 'superseded', finished_at = now()
            WHERE id = \(ledger) AND state = 'deleting'
            """).named("archiveMarkSuperseded"),
        ]
    }

    /// The part `ledger` supersedes, if any, with what its file was recorded as.
    static func supersededPart(of ledger: Int64) -> Query {
        Query("""
        SELECT o.id, to_char(o.month, 'YYYY-MM') AS month, o.part, o.state, o.tasks, o.logs, o.sha256
        FROM switchyard_archive_ledger n JOIN switchyard_archive_ledger o ON o.id = n.supersedes
        WHERE n.id = \(ledger)
        """).named("archiveSupersededPart")
    }

    static func memberIDs(ledger: Int64) -> Query {
        Query("SELECT task_id FROM switchyard_archive_members WHERE ledger_id = \(ledger)").named("archiveMemberIDs")
    }

    static func remainingMembers(ledger: Int64) -> Query {
        Query("""
        SELECT count(*) AS remaining FROM switchyard_archive_members m JOIN execution_tasks t ON t.id = m.task_id
        WHERE m.ledger_id = \(ledger)
        """).named("archiveRemaining")
    }

    static func markDone(ledger: Int64) -> [Query] {
        [
            Query("UPDATE switchyard_archive_ledger SET state = 'done', finished_at = now() WHERE id = \(ledger) AND state = 'deleting'")
                .named("archiveMarkDone"),
            Query("DELETE FROM switchyard_archive_members WHERE ledger_id = \(ledger)").named("archiveForgetMembers"),
        ]
    }
}
