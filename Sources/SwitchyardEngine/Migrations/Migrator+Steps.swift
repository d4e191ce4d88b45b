import FoundationEssentials
import SwitchyardResources

/// Running one migration step by step (docs/pitfalls.md, "Online migrations").
extension Migrator {
    /// Runs the steps of `migration` that are not recorded as done, each recorded with `checksum`
    /// (of this text); steps recorded from another text stop it before anything runs.
    func apply(_ migration: EmbeddedMigration, checksum: String, progress: (MigrationEvent) -> Void,
               on connection: PGConnection) throws {
        let steps = try migration.steps()
        let recorded = try MigrationProgressTable.rows(version: migration.version, on: connection)
        if recorded.values.contains(where: { $0.checksum != nil && $0.checksum != checksum }) {
            throw startedFromOtherText(migration, stepsDone: recorded.values.filter(\.finished).count)
        }
        progress(.migrating(version: migration.version, name: migration.name, resumed: !recorded.isEmpty))
        for (index, step) in steps.enumerated() where recorded[index + 1]?.finished != true {
            let number = index + 1
            switch step.kind {
            case .transaction:
                // The backfills after this step: their `from` bounds first, outside the step's
                // transaction. Such a query may read much of a large table (49 s at 30 million audit
                // rows, when the planner had no statistics for the column it filters on), and inside
                // it every writer would wait behind the step's locks that long; a bound read a
                // moment early is the same, since rows written meanwhile only have higher keys.
                let backfills = steps[(index + 1)...].prefix { if case .backfill = $0.kind { true } else { false } }
                    .compactMap { if case .backfill(let backfill) = $0.kind { backfill } else { nil } }
                let lowerKeys = try backfills.map { try lowerKey(of: $0, on: connection) }
                try retryingLockTimeouts(version: migration.version, step: number, progress: progress) {
                    try connection.transaction { connection in
                        try connection.execute(lockTimeoutSetting)
                        try connection.executeScript(step.sql, name: "migration \(migration.version) step \(number)")
                        // The backfills after this step walk the keys that exist now; the step's
                        // triggers count every row written after it.
                        for (offset, backfill) in backfills.enumerated() {
                            try register(backfill, from: lowerKeys[offset], version: migration.version, step: number + 1 + offset,
                                         checksum: checksum, on: connection)
                        }
                        try MigrationProgressTable.markDone(version: migration.version, step: number, checksum: checksum, on: connection)
                    }
                }
            case .noTransaction:
                for statement in step.statements {
                    if let index = MigrationStep.concurrentIndexName(statement), try isInvalidIndex(index, on: connection) {
                        progress(.rebuildingInvalidIndex(version: migration.version, index: index))
                        try connection.executeScript("DROP INDEX CONCURRENTLY IF EXISTS \(index)", name: "dropInvalidIndex")
                    }
                    try connection.executeScript(statement, name: "migration \(migration.version) step \(number)")
                }
                try MigrationProgressTable.markDone(version: migration.version, step: number, checksum: checksum, on: connection)
            case .backfill:
                try backfill(step, version: migration.version, number: number, checksum: checksum, progress: progress, on: connection)
            }
        }
    }

    /// Walks the recorded range in batches of `batchKeys`, each batch and its progress one
    /// transaction, so a run that stops loses at most the batch under way and never counts one twice.
    private func backfill(_ step: MigrationStep, version: Int, number: Int, checksum: String,
                          progress: (MigrationEvent) -> Void, on connection: PGConnection) throws {
        guard let row = try MigrationProgressTable.rows(version: version, on: connection)[number], var state = row.backfill else {
            throw DatabaseError(message: "Migration \(version) step \(number): the backfill's range was never recorded.",
                                detail: "Revert the migration and apply it again.")
        }
        let statements = step.statements.map { statement in
            (statement, ["$2", "$1"].first { statement.contains($0) }.map { $0 == "$2" ? 2 : 1 } ?? 0)
        }
        var next = row.nextKey
        var reported = ContinuousClock.now
        if next < row.lastKey { progress(.backfill(version: version, progress: state)) }
        while next < row.lastKey {
            let upTo = min(next + Int64(batchKeys), row.lastKey)
            let written = try retryingLockTimeouts(version: version, step: number, progress: progress) {
                try connection.transaction { connection -> Int in
                    try connection.execute(lockTimeoutSetting)
                    // A batch lost in a crash is lost with its progress row, and done again.
                    try connection.execute("SET LOCAL synchronous_commit = off")
                    var written = 0
                    for (statement, parameters) in statements {
                        let values: [String?] = [String(next), String(upTo)]
                        written += try connection.execute(Query(statement, parameters: Array(values.prefix(parameters)),
                                                                name: "migration \(version) backfill")).affectedRows
                    }
                    try connection.execute("""
                        UPDATE switchyard_migration_steps SET next_key = \(upTo), rows_written = rows_written + \(written),
                            updated_at = now()
                        WHERE version = \(version) AND step = \(number)
                        """)
                    return written
                }
            }
            next = upTo
            state.doneKeys = next - (row.lastKey - state.totalKeys)
            state.rowsWritten += Int64(written)
            if ContinuousClock.now - reported >= .seconds(1) {
                reported = .now
                progress(.backfill(version: version, progress: state))
            }
        }
        try MigrationProgressTable.markDone(version: version, step: number, checksum: checksum, on: connection)
        state.finished = true
        progress(.backfill(version: version, progress: state))
    }

    /// A backfill's exclusive lower key: 0 without a `from` query; the query's value, or nil
    /// (an empty range) when it gives NULL.
    private func lowerKey(of backfill: MigrationStep.Backfill, on connection: PGConnection) throws -> Int64? {
        guard let from = backfill.from else { return 0 }
        return try connection.execute(Query("SELECT (\(from))::bigint AS f", parameters: [], name: "backfillLowerKey"))
            .first?.decodeIfPresent("f", as: Int64.self)
    }

    /// Records a backfill's range: `from` (its exclusive lower key, the range empty when nil)
    /// to the highest key of the table now.
    private func register(_ backfill: MigrationStep.Backfill, from: Int64?, version: Int, step: Int, checksum: String,
                          on connection: PGConnection) throws {
        let last = "(SELECT coalesce(max(\(backfill.column)), 0) FROM \(backfill.table))"
        try connection.execute(Query("""
            INSERT INTO switchyard_migration_steps (version, step, label, table_name, first_key, next_key, last_key, checksum)
            SELECT $1, $2, $3, $4, least(f, l), least(f, l), l, $5 FROM (SELECT coalesce($6::bigint, \(last))::bigint AS f, \(last)::bigint AS l) r
            ON CONFLICT (version, step) DO UPDATE SET label = excluded.label, table_name = excluded.table_name,
                first_key = excluded.first_key, next_key = excluded.next_key, last_key = excluded.last_key,
                rows_written = 0, finished_at = NULL, checksum = excluded.checksum
            """, parameters: [String(version), String(step), backfill.label, backfill.table, checksum, from.map { String($0) }],
            name: "registerBackfill"))
    }

    private func isInvalidIndex(_ name: String, on connection: PGConnection) throws -> Bool {
        try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(\(name)) AND NOT indisvalid) AS invalid
            """).first?.decode("invalid", as: Bool.self) ?? false
    }

    /// How far `migration`, started but not applied, got; `checksum` is this build's text's.
    func inProgress(_ migration: EmbeddedMigration, checksum: String, running: Bool,
                    on connection: PGConnection) throws -> MigrationInProgress {
        let steps = try migration.steps()
        let rows = try MigrationProgressTable.rows(version: migration.version, on: connection)
        let open = rows.values.filter { !$0.finished && $0.backfill != nil }.min { $0.step < $1.step }
        return MigrationInProgress(stepsDone: rows.values.filter { $0.finished && $0.step <= steps.count }.count,
                                   stepCount: steps.count, backfill: open?.backfill, running: running,
                                   startedFromOtherText: rows.values.contains { $0.checksum.map { $0 != checksum } ?? false })
    }

    /// A stopped run's steps ran from another text of `migration` than this build's: continuing
    /// would mix the two, so nothing runs.
    func startedFromOtherText(_ migration: EmbeddedMigration, stepsDone: Int) -> DatabaseError {
        DatabaseError(
            message: "Migration \(migration.version) (\(migration.name)) was started from a different file than this build's; "
                + "a run stopped after \(stepsDone) of its steps.",
            detail: "Continuing would run the rest of this build's steps after those of the other text, so nothing was changed. "
                + "Finish it with the build that started it, or revert it with that build (migrate down to version "
                + "\(migration.version - 1)) and migrate up again with this one.")
    }

    var lockTimeoutSetting: Query {
        Query("SET LOCAL lock_timeout = '\(max(1, Int(lockTimeout / .milliseconds(1))))ms'", parameters: [], name: "setLockTimeout")
    }

    /// Runs `body` again after a lock timeout (its transaction rolled back), waiting longer each
    /// time; after `lockAttempts` tries the error says what held the step up.
    func retryingLockTimeouts<T>(version: Int, step: Int, progress: (MigrationEvent) -> Void,
                                 _ body: () throws -> T) throws -> T {
        var attempt = 1, delay = firstRetryDelay
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where error.sqlState == .lockNotAvailable {
                guard attempt < lockAttempts else {
                    throw DatabaseError(
                        sqlState: .lockNotAvailable,
                        message: "Migration \(version) could not take its locks within \(TimeSpan.format(lockTimeout, .brief)) "
                            + "in \(lockAttempts) tries: another transaction keeps the table busy.",
                        detail: "Nothing of that step was applied. Find the long transaction in pg_stat_activity, "
                            + "let it finish (or end it), and migrate again: it continues from there.")
                }
                progress(.lockTimedOut(version: version, step: step, waited: lockTimeout, retryIn: delay,
                                       attempt: attempt, of: lockAttempts))
                sleepThread(for: delay)
                delay = min(delay * 2, longestRetryDelay)
                attempt += 1
            }
        }
    }
}
