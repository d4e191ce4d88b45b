/// One numbered schema change, compiled into the binary (the installed program never reads
/// the source tree).
public struct EmbeddedMigration: Sendable {
    public let version: Int
    public let name: String
    public let up: String
    public let down: String
    /// SHA-256 (hex) of earlier texts of `up`, from before it was rewritten to run online
    /// (docs/pitfalls.md, "Online migrations"): a database that applied one of them has the same
    /// schema, so the Migrator accepts it as applied.
    public let earlierChecksums: [String]

    public init(version: Int, name: String, up: String, down: String, earlierChecksums: [String] = []) {
        (self.version, self.name, self.up, self.down) = (version, name, up, down)
        self.earlierChecksums = earlierChecksums
    }
}

/// SQL migrations and example files, embedded with `.embedInCode`.
public enum SwitchyardResources {
    /// Every migration, ascending by version. Add new ones at the end; never edit a released one
    /// (unless rewritten to the same schema, its released text's checksum kept in `rewritten`).
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
        migration(16, "database_identity", PackageResources._016_database_identity_up_sql,
                  PackageResources._016_database_identity_down_sql),
        migration(17, "order_ledger", PackageResources._017_order_ledger_up_sql,
                  PackageResources._017_order_ledger_down_sql),
        migration(18, "alert_secrets", PackageResources._018_alert_secrets_up_sql,
                  PackageResources._018_alert_secrets_down_sql),
        migration(19, "refusals_name_and_superseded_parts", PackageResources._019_refusals_name_and_superseded_parts_up_sql,
                  PackageResources._019_refusals_name_and_superseded_parts_down_sql),
        migration(20, "unsent_orders", PackageResources._020_unsent_orders_up_sql,
                  PackageResources._020_unsent_orders_down_sql),
        migration(21, "routed_accounts", PackageResources._021_routed_accounts_up_sql,
                  PackageResources._021_routed_accounts_down_sql),
        migration(22, "trade_id_statistics", PackageResources._022_trade_id_statistics_up_sql,
                  PackageResources._022_trade_id_statistics_down_sql),
    ]

    /// The checksums of the released texts of migrations rewritten to run online, by version.
    static let rewritten: [Int: [String]] = [
        1: ["2a5d19009e3d5fdb5e75bd79d35bc9b92d556535d01e5770ab9da946fa9e0229"],
        2: ["8edf9b262925397ef61a3c780e74456129d04b0de71bd6ba4a8d1c647880455a"],
        5: ["4c38089fff5dca8ab69f47184d6cee73073837336bd2d00c5b25cb5127b04bf0"],
        6: ["629264ceb9c12995a74bc070cfeb38d65efc5a6b83c12bf1ab64c3b5004af65c"],
        8: ["dfad7844a93dcb9b064fdf3e8ba39e4a1e5a03a3469d36864be46e6099801d5d"],
        9: ["959aa038f5672a868be812847859c20919a918b9299f7d042acdff04a4495a47"],
        10: ["00c3be3066ca43b43c1658770adab90207beb40c1c1e0374639671e708c4dffb"],
        11: ["870ad96db094ba720ca4325d8f73c9decafc516af201899cb55bd2b1a8de476b"],
        13: ["6fa323758e06d3be6bcf79a5016e947c9ace517f7be5bbbe0b4cd49014099cc2"],
    ]

    /// The example accounts file, also the built-in demo set when no `--accounts` is given.
    public static var exampleAccountsJSON: String { text(PackageResources.accounts_example_json) }

    private static func migration(_ version: Int, _ name: String, _ up: [UInt8], _ down: [UInt8]) -> EmbeddedMigration {
        EmbeddedMigration(version: version, name: name, up: text(up), down: text(down),
                          earlierChecksums: rewritten[version] ?? [])
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
