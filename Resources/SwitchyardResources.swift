/// One numbered schema change, compiled into the binary (the installed program never reads
/// the source tree).
public struct EmbeddedMigration: Sendable {
    public let version: Int
    public let name: String
    public let up: String
    public let down: String
}

/// SQL migrations and example files, embedded with `.embedInCode`.
public enum SwitchyardResources {
    /// Every migration, ascending by version. Add new ones at the end; never edit a released one.
    public static let migrations: [EmbeddedMigration] = [
        migration(1, "adopt_seed_tables", PackageResources._001_adopt_seed_tables_up_sql,
                  PackageResources._001_adopt_seed_tables_down_sql),
        migration(2, "queue_columns", PackageResources._002_queue_columns_up_sql,
                  PackageResources._002_queue_columns_down_sql),
        migration(3, "routers_and_control", PackageResources._003_routers_and_control_up_sql,
                  PackageResources._003_routers_and_control_down_sql),
        migration(4, "audit_and_notify_triggers", PackageResources._004_audit_and_notify_triggers_up_sql,
                  PackageResources._004_audit_and_notify_triggers_down_sql),
        migration(5, "monitor_indexes", PackageResources._005_monitor_indexes_up_sql,
                  PackageResources._005_monitor_indexes_down_sql),
        migration(6, "attempt_minutes", PackageResources._006_attempt_minutes_up_sql,
                  PackageResources._006_attempt_minutes_down_sql),
        migration(7, "router_liveness", PackageResources._007_router_liveness_up_sql,
                  PackageResources._007_router_liveness_down_sql),
        migration(8, "queue_upkeep", PackageResources._008_queue_upkeep_up_sql,
                  PackageResources._008_queue_upkeep_down_sql),
        migration(9, "alerts", PackageResources._009_alerts_up_sql, PackageResources._009_alerts_down_sql),
        migration(10, "schedules", PackageResources._010_schedules_up_sql, PackageResources._010_schedules_down_sql),
        migration(11, "account_figures", PackageResources._011_account_figures_up_sql,
                  PackageResources._011_account_figures_down_sql),
        migration(12, "account_observers", PackageResources._012_account_observers_up_sql,
                  PackageResources._012_account_observers_down_sql),
        migration(13, "held_from", PackageResources._013_held_from_up_sql, PackageResources._013_held_from_down_sql),
        migration(14, "bounded_derived_tables", PackageResources._014_bounded_derived_tables_up_sql,
                  PackageResources._014_bounded_derived_tables_down_sql),
        migration(15, "archive_ledger", PackageResources._015_archive_ledger_up_sql,
                  PackageResources._015_archive_ledger_down_sql),
    ]

    /// The example accounts file, also the built-in demo set when no `--accounts` is given.
    public static var exampleAccountsJSON: String { text(PackageResources.accounts_example_json) }

    private static func migration(_ version: Int, _ name: String, _ up: [UInt8], _ down: [UInt8]) -> EmbeddedMigration {
        EmbeddedMigration(version: version, name: name, up: text(up), down: text(down))
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
