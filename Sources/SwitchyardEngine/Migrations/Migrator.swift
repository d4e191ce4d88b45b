import FoundationEssentials
import SwitchyardResources

/// One migration as the database records it, beside what this build ships.
public struct MigrationStatus: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var appliedAt: Date?
    public var appliedBy: String?
    /// False when the applied file's checksum differs from this build's file (and from every
    /// earlier text of it this build knows).
    public var checksumMatches: Bool
    /// True when the database applied an earlier text of a migration this build rewrote to run
    /// online (the same schema, reached without long locks); accepted as it is.
    public var appliedFromEarlierText = false
    /// Set for a migration that started and did not finish: a run is under way, or one stopped.
    public var inProgress: MigrationInProgress?
    public var isApplied: Bool { appliedAt != nil }
}

/// Applies and reverts the numbered migrations under an advisory lock, so that two processes
/// migrating at once are safe. Each migration runs as steps (`MigrationStep`): transactions that
/// give up on a lock after `lockTimeout` and try again, statements outside a transaction
/// (concurrent index builds), and backfills in batches that resume where a stopped run left off.
public struct Migrator: Sendable {
    public let migrations: [EmbeddedMigration]
    /// How long a step waits for a lock before it rolls back and tries again later, so that it
    /// never queues the writers behind it for longer.
    public var lockTimeout: Duration
    /// How many times a step tries to take its locks before `up` gives up.
    public var lockAttempts: Int
    /// The pause after the first lock timeout; it doubles up to `longestRetryDelay`.
    public var firstRetryDelay: Duration
    public var longestRetryDelay: Duration
    /// Keys of a backfill's range walked per batch (one short transaction each).
    public var batchKeys: Int

    public init(migrations: [EmbeddedMigration] = SwitchyardResources.migrations,
                lockTimeout: Duration = .milliseconds(300), lockAttempts: Int = 30,
                firstRetryDelay: Duration = .milliseconds(500), longestRetryDelay: Duration = .seconds(10),
                batchKeys: Int = 5000) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.lockTimeout = lockTimeout
        self.lockAttempts = max(1, lockAttempts)
        self.firstRetryDelay = firstRetryDelay
        self.longestRetryDelay = longestRetryDelay
        self.batchKeys = max(1, batchKeys)
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The highest applied version, 0 when Switchyard never migrated this database.
    public func currentVersion(on connection: PGConnection) throws -> Int {
        guard try hasMigrationTable(connection) else { return 0 }
        let row = try connection.execute(Self.currentVersionQuery).first
        return try row?.decodeIfPresent("version", as: Int.self) ?? 0
    }

    /// Every known migration with whether and when it was applied, and how far one under way got.
    public func status(on connection: PGConnection) throws -> [MigrationStatus] {
        let applied = try appliedMigrations(connection)
        let started = try MigrationProgressTable.versions(on: connection)
        let running = started.isEmpty ? false : try MigrationLock.isHeld(on: connection)
        var statuses = try migrations.map { migration in
            let record = applied[migration.version]
            var status = MigrationStatus(version: migration.version, name: migration.name,
                                         appliedAt: record?.appliedAt, appliedBy: record?.appliedBy, checksumMatches: true)
            if let record {
                let sum = try checksum(of: migration.up, on: connection)
                status.appliedFromEarlierText = record.checksum != sum && migration.earlierChecksums.contains(record.checksum)
                status.checksumMatches = record.checksum == sum || status.appliedFromEarlierText
            } else if started.contains(migration.version) {
                status.inProgress = try inProgress(migration, checksum: try checksum(of: migration.up, on: connection),
                                                   running: running, on: connection)
            }
            return status
        }
        for (version, record) in applied where !migrations.contains(where: { $0.version == version }) {
            statuses.append(MigrationStatus(version: version, name: record.name, appliedAt: record.appliedAt,
                                            appliedBy: record.appliedBy, checksumMatches: false))
        }
        return statuses.sorted { $0.version < $1.version }
    }

    /// Applies every pending migration in order, continuing one a stopped run left unfinished;
    /// returns the versions applied (none when up to date). `progress` hears what happens.
    @discardableResult
    public func up(on connection: PGConnection, actor: String,
                   progress: (MigrationEvent) -> Void = { _ in }) throws -> [Int] {
        try withMigrationLock(connection) {
            try connection.executeScript(Self.createMigrationTable, name: "createMigrationTable")
            try connection.executeScript(MigrationProgressTable.create, name: "createMigrationStepsTable")
            try connection.executeScript(MigrationProgressTable.addChecksum, name: "addMigrationStepsChecksum")
            try stopWhenClientGoes(connection)
            let applied = try appliedMigrations(connection)
            if let newest = applied.keys.max(), newest > latestVersion {
                throw DatabaseError(
                    message: "The database schema is at version \(newest); this build knows versions up to \(latestVersion).",
                    remedy: .migrateDown(toVersion: latestVersion))
            }
            for migration in migrations {
                guard let record = applied[migration.version] else { continue }
                let sum = try checksum(of: migration.up, on: connection)
                guard record.checksum == sum || migration.earlierChecksums.contains(record.checksum) else {
                    throw checksumMismatch(migration)
                }
            }
            var done: [Int] = []
            for migration in migrations where applied[migration.version] == nil {
                let sum = try checksum(of: migration.up, on: connection)
                try apply(migration, checksum: sum, progress: progress, on: connection)
                try connection.execute("""
                    INSERT INTO switchyard_schema_migrations (version, name, checksum, applied_by)
                    VALUES (\(migration.version), \(migration.name), \(sum), \(actor))
                    """)
                progress(.applied(version: migration.version))
                done.append(migration.version)
            }
            return done
        }
    }

    /// Reverts applied migrations above `target`, newest first, and any above it a stopped run
    /// left unfinished; returns the versions reverted.
    @discardableResult
    public func down(to target: Int, on connection: PGConnection) throws -> [Int] {
        guard target >= 0 else { throw DatabaseError(message: "The target version must be 0 or more.") }
        return try withMigrationLock(connection) {
            guard try hasMigrationTable(connection) else { return [] }
            let applied = try appliedMigrations(connection)
            let started = try MigrationProgressTable.versions(on: connection)
            var done: [Int] = []
            for version in Set(applied.keys).union(started).sorted(by: >) where version > target {
                guard let migration = migrations.first(where: { $0.version == version }) else {
                    throw DatabaseError(message: "Version \(version) is applied but unknown to this build.",
                                        detail: "Revert it with the switchyard build that applied it.")
                }
                try retryingLockTimeouts(version: version, step: 0, progress: { _ in }) {
                    try connection.transaction { connection in
                        try connection.execute(lockTimeoutSetting)
                        try connection.executeScript(migration.down, name: "migration \(version) down")
                        try connection.execute("DELETE FROM switchyard_schema_migrations WHERE version = \(version)")
                        if !started.isEmpty {
                            try connection.execute("DELETE FROM switchyard_migration_steps WHERE version = \(version)")
                        }
                    }
                }
                done.append(version)
            }
            return done
        }
    }

    struct AppliedRecord {
        var name: String
        var checksum: String
        var appliedAt: Date
        var appliedBy: String?
    }

    private func appliedMigrations(_ connection: PGConnection) throws -> [Int: AppliedRecord] {
        guard try hasMigrationTable(connection) else { return [:] }
        var records: [Int: AppliedRecord] = [:]
        for row in try connection.execute(Self.appliedQuery).rows {
            records[try row.decode("version")] = AppliedRecord(
                name: try row.decode("name"), checksum: try row.decode("checksum"),
                appliedAt: try row.decode("applied_at"), appliedBy: try row.decodeIfPresent("applied_by"))
        }
        return records
    }

    private func hasMigrationTable(_ connection: PGConnection) throws -> Bool {
        try connection.execute("SELECT to_regclass('switchyard_schema_migrations') IS NOT NULL AS present")
            .first?.decode("present", as: Bool.self) ?? false
    }

    private func checksum(of sql: String, on connection: PGConnection) throws -> String {
        try connection.execute("SELECT encode(sha256(convert_to(\(sql), 'UTF8')), 'hex') AS sum")
            .first!.decode("sum")
    }

    private func checksumMismatch(_ migration: EmbeddedMigration) -> DatabaseError {
        DatabaseError(
            message: "Migration \(migration.version) (\(migration.name)) was applied from a different file than this build's.",
            detail: "Released migrations are never edited, so this build and the database disagree. "
                + "Use the build that applied it, or restore the original file; nothing was changed.")
    }

    /// A killed `migrate` must not leave its server session running a long statement (an index
    /// build, a batch): the server checks every few seconds that the client is still there.
    private func stopWhenClientGoes(_ connection: PGConnection) throws {
        let version: Int = try connection.execute("SELECT current_setting('server_version_num')::int AS v").first!.decode("v")
        if version >= 140000 { try connection.execute("SET client_connection_check_interval = '2s'") }
    }

    /// Holds the migration lock for the duration of `body`.
    private func withMigrationLock<T>(_ connection: PGConnection, _ body: () throws -> T) throws -> T {
        try MigrationLock.acquire(connection)
        defer { MigrationLock.release(connection) }
        return try body()
    }

    static let createMigrationTable = """
        CREATE TABLE IF NOT EXISTS switchyard_schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            applied_by TEXT
        )
        """
    static let appliedQuery: Query = "SELECT version, name, checksum, applied_at, applied_by FROM switchyard_schema_migrations"
    static let currentVersionQuery: Query = "SELECT max(version) AS version FROM switchyard_schema_migrations"
}
