import FoundationEssentials

/// The database's own id, minted once by migration 16: the first part of every live order's
/// idempotency key (`Order.idempotencyKey`). Replicated with the data, so a promoted standby
/// sends a retried order with the key its primary used.
public enum DatabaseIdentity {
    /// Reads the id; a database not migrated to 16 throws a `ConfigurationError` that says so.
    public static func read(on connection: PGConnection) throws -> String {
        do {
            guard let row = try connection.execute("SELECT id::text AS id FROM switchyard_database_identity").first else {
                throw ConfigurationError("switchyard_database_identity has no row, so live orders would have no key.",
                                         remedy: .migrate)
            }
            return try row.decode("id")
        } catch let error as DatabaseError where error.sqlState == .undefinedTable {
            throw ConfigurationError("This database has no id for live orders' idempotency keys (migration 16).",
                                     remedy: .migrate)
        }
    }
}
