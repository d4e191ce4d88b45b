import Foundation
import SwitchyardResources
import Testing
@testable import SwitchyardEngine

/// The per-account condition is `account_refusals_over` since migration 19; rules stored under
/// its former name, `account_rejections_over`, keep working, and a database migrated down takes
/// the former name back.
@Suite(.database) struct AlertConditionNameTests {
    static let beforeRename = SwitchyardResources.migrations.filter { $0.version < 19 }

    /// A rule as the builds before migration 19 stored it.
    static func addFormerRule(_ name: String, on connection: PGConnection) throws {
        try connection.execute("""
            INSERT INTO switchyard_alert_rules (name, condition, threshold, window_minutes, severity, command, created_by)
            VALUES (\(name), 'account_rejections_over', 1, 10, 'warning', 'true', 'old@host')
            """)
    }

    static let storedConditions: Query = "SELECT string_agg(name || ' ' || condition, ',' ORDER BY name) AS c FROM switchyard_alert_rules"

    @Test func aRuleStoredUnderTheFormerNameIsReadEvaluatedAndSaidUnderTheNewOne() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        try Migrator(migrations: Self.beforeRename).up(on: connection, actor: "test")
        try Self.addFormerRule("old-refusals", on: connection)
        try Migrator().up(on: connection, actor: "test")
        try AlertQueries.add(AlertRuleDefinition(name: "new-refusals", condition: .accountRefusalsOver(1, windowMinutes: 10),
                                                 target: .command("true")), actor: "test@host", on: connection)
        // Left as stored (routers of the previous build still read it); new rules take the new name.
        #expect(try connection.execute(Self.storedConditions).first!["c"]
            == "new-refusals account_refusals_over,old-refusals account_rejections_over")
        let rules = try AlertQueries.rules(on: connection)
        #expect(rules.map(\.condition) == [.accountRefusalsOver(1, windowMinutes: 10), .accountRefusalsOver(1, windowMinutes: 10)])
        #expect(rules.map(\.condition.summary) == ["account-refusals-over 1 in 10 min", "account-refusals-over 1 in 10 min"])

        let id = try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 1)[0])
        try connection.execute("""
            INSERT INTO execution_logs (task_id, status, event, account)
            SELECT \(id), 'FAILED', 'ATTEMPT', 'apex-1' FROM generate_series(1, 2)
            """)
        let report = try AlertEvaluator(evaluatorID: "test", database: "db").runOnce(on: connection)
        #expect(report.fired.sorted() == ["new-refusals/apex-1", "old-refusals/apex-1"])
        let conditions = try connection.execute("""
            SELECT string_agg(DISTINCT payload->>'condition', ',') AS c FROM switchyard_alert_deliveries
            """).first!["c"]
        #expect(conditions == "account-refusals-over")
    }

    @Test func beforeMigration19AddingARefusalRuleSaysToMigrate() throws {
        let connection = try TestDatabase.makeSchema().connect()
        try Migrator(migrations: Self.beforeRename).up(on: connection, actor: "test")
        let error = try #require(throws: ConfigurationError.self) {
            try AlertQueries.add(AlertRuleDefinition(name: "refusals", condition: .accountRefusalsOver(1, windowMinutes: 10),
                                                     target: .command("true")), actor: "test@host", on: connection)
        }
        #expect(error.remedy == .migrate)
        #expect(error.message.hasPrefix("The database's rules table does not know the account-refusals-over condition yet."))
    }

    @Test func migratingDownGivesRulesTheFormerNameAndMigration9sChecks() throws {
        let connection = try TestDatabase.makeSchema().connect()
        try Migrator().up(on: connection, actor: "test")
        try Self.addFormerRule("old-refusals", on: connection)
        try AlertQueries.add(AlertRuleDefinition(name: "new-refusals", condition: .accountRefusalsOver(1, windowMinutes: 10),
                                                 target: .command("true")), actor: "test@host", on: connection)
        let checks: Query = """
            SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ',' ORDER BY conname) AS c FROM pg_constraint
            WHERE conrelid = 'switchyard_alert_rules'::regclass AND contype = 'c'
            """
        let fresh = try TestDatabase.makeSchema().connect()
        try Migrator(migrations: Self.beforeRename).up(on: fresh, actor: "test")

        try Migrator().down(to: SwitchyardResources.migrations.filter { $0.version < 19 }.last!.version, on: connection)
        #expect(try connection.execute(Self.storedConditions).first!["c"]
            == "new-refusals account_rejections_over,old-refusals account_rejections_over")
        #expect(try connection.execute(checks).first!["c"] == fresh.execute(checks).first!["c"])
        #expect(try Migrator().up(on: connection, actor: "test").first == 19)
    }

    @Test func theFormerFlagStillAddsTheRuleUnderTheNewName() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        for (name, flag) in [("old-flag", "--account-rejections-over"), ("new-flag", "--account-refusals-over")] {
            let added = try Executable.run(["alerts", "add", name, flag, "3", "--window", "5m", "--command", "true"],
                                           environment: schema.processEnvironment)
            #expect(added.status == 0, "\(added.stderr)")
            #expect(added.stdout.contains("account-refusals-over 3 in 5 min"), "\(added.stdout)")
        }
        #expect(try schema.connect().execute(Self.storedConditions).first!["c"]
            == "new-flag account_refusals_over,old-flag account_refusals_over")
        let help = try Executable.run(["alerts", "add", "--help"], environment: schema.processEnvironment)
        #expect(help.stdout.contains("--account-refusals-over") && !help.stdout.contains("rejections"))
    }
}
