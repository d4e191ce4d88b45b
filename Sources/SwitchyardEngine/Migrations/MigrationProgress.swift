import FoundationEssentials

/// What `Migrator.up` is doing, for a progress line (the CLI prints these on stderr).
public enum MigrationEvent: Sendable, Equatable {
    /// A migration starts (or continues, when `resumed`, after a run that stopped).
    case migrating(version: Int, name: String, resumed: Bool)
    /// A step could not take its lock within the lock timeout (a long query holds the table):
    /// it was rolled back, and runs again after `retryIn`. `attempt` counts from 1.
    case lockTimedOut(version: Int, step: Int, waited: Duration, retryIn: Duration, attempt: Int, of: Int)
    /// An index an interrupted concurrent build left INVALID is dropped, to be built again.
    case rebuildingInvalidIndex(version: Int, index: String)
    /// A backfill moved on: keys done of the range, rows written so far.
    case backfill(version: Int, progress: BackfillProgress)
    /// The migration is recorded as applied.
    case applied(version: Int)
}

/// How far a batched backfill got, as recorded in the database.
public struct BackfillProgress: Sendable, Equatable {
    public var label: String
    public var table: String
    /// Keys of the range walked, out of `totalKeys`.
    public var doneKeys: Int64
    public var totalKeys: Int64
    public var rowsWritten: Int64
    public var finished: Bool

    /// Whole percent of the range walked (100 for an empty range).
    public var percent: Int { totalKeys <= 0 ? 100 : Int(doneKeys * 100 / totalKeys) }
}

/// A migration whose steps started but did not all finish: a run is under way, or one stopped.
public struct MigrationInProgress: Sendable, Equatable {
    public var stepsDone: Int
    public var stepCount: Int
    /// The backfill under way or next, when the migration has one not finished.
    public var backfill: BackfillProgress?
    /// True when a `migrate` holds the migration lock now; false when the run stopped (run
    /// `migrate up` again to continue).
    public var running: Bool
    /// True when the steps done ran from another text of the migration than this build's: this
    /// build refuses to continue it (`Migrator.up` says what to do).
    public var startedFromOtherText = false
}

/// The table that records each step of a migration not yet applied, and each backfill's
/// progress batch by batch, with the checksum of the text each step ran from (a run that
/// stopped is continued only from that same text). Created by the Migrator itself, like
/// switchyard_schema_migrations.
enum MigrationProgressTable {
    static let create = """
        CREATE TABLE IF NOT EXISTS switchyard_migration_steps (
            version INTEGER NOT NULL,
            step INTEGER NOT NULL,
            label TEXT,
            table_name TEXT,
            next_key BIGINT,
            last_key BIGINT,
            first_key BIGINT,
            rows_written BIGINT NOT NULL DEFAULT 0,
            started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            finished_at TIMESTAMPTZ,
            checksum TEXT,
            PRIMARY KEY (version, step)
        )
        """
    /// The checksum column for a table an earlier build created: a nullable column without a
    /// default changes no row (online). Rows recorded before it have none: trusted as before.
    static let addChecksum = "ALTER TABLE switchyard_migration_steps ADD COLUMN IF NOT EXISTS checksum TEXT"

    struct Row {
        var step: Int
        var finished: Bool
        var backfill: BackfillProgress?
        var nextKey: Int64
        var lastKey: Int64
        /// The checksum of the text the step ran from; nil when an earlier build recorded it.
        var checksum: String?
    }

    static func rows(version: Int, on connection: PGConnection) throws -> [Int: Row] {
        guard try exists(on: connection) else { return [:] }
        // A status read by a build older than the column's: the table may not have it yet.
        let checksum = try hasChecksumColumn(on: connection) ? "checksum" : "NULL::text AS checksum"
        var rows: [Int: Row] = [:]
        for row in try connection.execute("""
            SELECT step, finished_at IS NOT NULL AS finished, label, table_name, first_key, next_key, last_key, rows_written,
                \(unescaped: checksum)
            FROM switchyard_migration_steps WHERE version = \(version)
            """).rows {
            let step: Int = try row.decode("step"), finished: Bool = try row.decode("finished")
            let first = try row.decodeIfPresent("first_key", as: Int64.self) ?? 0
            let next = try row.decodeIfPresent("next_key", as: Int64.self) ?? 0
            let last = try row.decodeIfPresent("last_key", as: Int64.self) ?? 0
            let backfill = try row.decodeIfPresent("label", as: String.self).map {
                BackfillProgress(label: $0, table: try row.decodeIfPresent("table_name") ?? "", doneKeys: next - first,
                                 totalKeys: last - first, rowsWritten: try row.decode("rows_written"), finished: finished)
            }
            rows[step] = Row(step: step, finished: finished, backfill: backfill, nextKey: next, lastKey: last,
                             checksum: try row.decodeIfPresent("checksum"))
        }
        return rows
    }

    /// Versions with recorded steps, applied or not.
    static func versions(on connection: PGConnection) throws -> Set<Int> {
        guard try exists(on: connection) else { return [] }
        return Set(try connection.execute("SELECT DISTINCT version FROM switchyard_migration_steps").rows.map { try $0.decode("version") })
    }

    /// True when the table exists and this role may read it (an observer may not: then no
    /// migration shows as under way).
    static func exists(on connection: PGConnection) throws -> Bool {
        try connection.execute("""
            SELECT coalesce(has_table_privilege(to_regclass('switchyard_migration_steps'), 'SELECT'), false) AS present
            """).first?.decode("present", as: Bool.self) ?? false
    }

    private static func hasChecksumColumn(on connection: PGConnection) throws -> Bool {
        try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('switchyard_migration_steps')
                           AND attname = 'checksum' AND NOT attisdropped) AS present
            """).first?.decode("present", as: Bool.self) ?? false
    }

    static func markDone(version: Int, step: Int, checksum: String, on connection: PGConnection) throws {
        try connection.execute("""
            INSERT INTO switchyard_migration_steps (version, step, finished_at, checksum) VALUES (\(version), \(step), now(), \(checksum))
            ON CONFLICT (version, step) DO UPDATE SET finished_at = now(), updated_at = now(), checksum = excluded.checksum
            """)
    }
}

/// The session advisory lock `migrate` holds while it works, scoped to the current schema.
enum MigrationLock {
    static let key = "hashtext('switchyard.migrate.' || current_schema())::bigint"

    /// Takes the lock, polling: a session that waited inside one long statement would hold a
    /// snapshot, which a `CREATE INDEX CONCURRENTLY` of the lock's holder waits for (a deadlock).
    static func acquire(_ connection: PGConnection) throws {
        while try !(connection.execute(Query("SELECT pg_try_advisory_lock(\(key)) AS taken", parameters: []))
            .first?.decode("taken", as: Bool.self) ?? false) {
            sleepThread(for: .milliseconds(200))
        }
    }

    static func release(_ connection: PGConnection) {
        _ = try? connection.execute(Query("SELECT pg_advisory_unlock(\(key))", parameters: []))
    }

    /// True when some session of this database holds the lock (a `migrate` is running).
    static func isHeld(on connection: PGConnection) throws -> Bool {
        try connection.execute(Query("""
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND classid = ((\(key) >> 32) & 4294967295)::oid AND objid = (\(key) & 4294967295)::oid
                AND objsubid = 1) AS held
            """, parameters: [])).first?.decode("held", as: Bool.self) ?? false
    }
}
