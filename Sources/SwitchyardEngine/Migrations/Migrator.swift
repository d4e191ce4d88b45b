import FoundationEssentials
import SwitchyardResources

/// One migration as the database records it, beside what this build ships.
public struct MigrationStatus: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var appliedAt: Date?
    public var appliedBy: String?
    /// False when the applied file's checksum differs from this build's file.
    public var checksumMatches: Bool
    public var isApplied: Bool { appliedAt != nil }
}

/// Applies and reverts the numbered migrations, one transaction each, under an advisory lock
/// so that two processes migrating at once are safe.
public struct Migrator: Sendable {
    public let migrations: [EmbeddedMigration]

    public init(migrations: [EmbeddedMigration] = SwitchyardResources.migrations) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The highest applied version, 0 when Switchyard never migrated this database.
    public func currentVersion(on connection: PGConnection) throws -> Int {
        guard try hasMigrationTable(connection) else { return 0 }
        let row = try connection.execute(Self.currentVersionQuery).first
        return try row?.decodeIfPresent("version", as: Int.self) ?? 0
    }

    /// Every known migration with whether and when it was applied.
    public func status(on connection: PGConnection) throws -> [MigrationStatus] {
        let applied = try appliedMigrations(connection)
        var statuses = try migrations.map { migration in
            let record = applied[migration.version]
            return MigrationStatus(version: migration.version, name: migration.name,
                                   appliedAt: record?.appliedAt, appliedBy: record?.appliedBy,
                                   checksumMatches: try record.map { $0.checksum == (try checksum(of: migration.up, on: connection)) } ?? true)
        }
        for (version, record) in applied where !migrations.contains(where: { $0.version == version }) {
            statuses.append(MigrationStatus(version: version, name: record.name, appliedAt: record.appliedAt,
                                            appliedBy: record.appliedBy, checksumMatches: false))
        }
        return statuses.sorted { $0.version < $1.version }
    }

    /// Applies every pending migration in order; returns the versions applied (none when up to date).
    @discardableResult
    public func up(on connection: PGConnection, actor: String) throws -> [Int] {
        try withMigrationLock(connection) {
            try connection.executeScript(Self.createMigrationTable, name: "createMigrationTable")
            let applied = try appliedMigrations(connection)
            if let newest = applied.keys.max(), newest > latestVersion {
                throw DatabaseError(
                    message: "The database schema is at version \(newest); this build knows versions up to \(latestVersion).",
                    remedy: .migrateDown(toVersion: latestVersion))
            }
            var done: [Int] = []
            for migration in migrations {
                let sum = try checksum(of: migration.up, on: connection)
                if let record = applied[migration.version] {
                    guard record.checksum == sum else { throw checksumMismatch(migration) }
                    continue
                }
                try connection.transaction { connection in
                    try connection.executeScript(migration.up, name: "migration \(migration.version) up")
                    try connection.execute("""
                        INSERT INTO switchyard_schema_migrations (version, name, checksum, applied_by)
                        VALUES (\(migration.version), \(migration.name), \(sum), \(actor))
                        """)
                }
                done.append(migration.version)
            }
            return done
        }
    }

    /// Reverts applied migrations above `target`, newest first; returns the versions reverted.
    @discardableResult
    public func down(to target: Int, on connection: PGConnection) throws -> [Int] {
        guard target >= 0 else { throw DatabaseError(message: "The target version must be 0 or more.") }
        return try withMigrationLock(connection) {
            guard try hasMigrationTable(connection) else { return [] }
            let applied = try appliedMigrations(connection)
            var done: [Int] = []
            for version in applied.keys.sorted(by: >) where version > target {
                guard let migration = migrations.first(where: { $0.version == version }) else {
                    throw DatabaseError(message: "Version \(version) is applied but unknown to this build.",
                                        detail: "Revert it with the switchyard build that applied it.")
                }
                try connection.transaction { connection in
                    try connection.executeScript(migration.down, name: "migration \(version) down")
                    try connection.execute("DELETE FROM switchyard_schema_migrations WHERE version = \(version)")
                }
                done.append(version)
            }
            return done
        }
    }

    private struct AppliedRecord {
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

    /// Holds a session advisory lock, scoped to the current schema, for the duration of `body`.
    private func withMigrationLock<T>(_ connection: PGConnection, _ body: () throws -> T) throws -> T {
        try connection.execute("SELECT pg_advisory_lock(hashtext('switchyard.migrate.' || current_schema()))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(hashtext('switchyard.migrate.' || current_schema()))") }
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
