import Foundation
import SwitchyardResources
import Testing
@testable import SwitchyardEngine

/// Migration 18: alert targets (webhook URLs, commands) are readable only by roles that may
/// change rules or deliver them; an observer granted the whole queue reads the rules masked.
@Suite(.database) struct AlertSecretsMigrationTests {
    static let secretURL = "https://hooks.example.com/services/T0/B0/sekrit-path?token=sekrit-query"

    /// A login role with SELECT (and `writes`) on every table of the schema, as the observer set-up
    /// of docs/operations.md gives one (roles are cluster-wide: named after the schema).
    func role(_ suffix: String, in schema: TestSchema, writes: Bool, admin: PGConnection) throws -> (String, PGConnection) {
        let name = "\(suffix)_\(schema.name)"
        try admin.execute(Query("CREATE ROLE \(name) LOGIN", parameters: []))
        try admin.execute(Query("GRANT USAGE ON SCHEMA \(schema.name) TO \(name)", parameters: []))
        try admin.execute(Query("GRANT SELECT\(writes ? ", INSERT, UPDATE" : "") ON ALL TABLES IN SCHEMA \(schema.name) TO \(name)",
                                parameters: []))
        let conninfo = schema.conninfo.replacingOccurrences(of: "://switchyard@", with: "://\(name)@")
        return (name, try PGConnection(settings: ConnectionSettings(conninfo: conninfo)))
    }

    func drop(_ role: String, admin: PGConnection) {
        _ = try? admin.execute(Query("DROP OWNED BY \(role)", parameters: []))
        _ = try? admin.execute(Query("DROP ROLE \(role)", parameters: []))
    }

    @Test func observersReadTheRulesMaskedAndOperatorsTheirTargets() throws {
        let schema = try TestDatabase.makeSchema()
        let owner = try schema.connect()
        try Migrator(migrations: SwitchyardResources.migrations.filter { $0.version < 18 }).up(on: owner, actor: "test@host")
        try AlertQueries.add(AlertRuleDefinition(name: "chat", condition: .failedOver(0), target: try .webhook(parsing: Self.secretURL)),
                             actor: "test@host", on: owner)
        try AlertQueries.add(AlertRuleDefinition(name: "pager", condition: .deadOver(0), target: .command("/usr/bin/page --key sekrit-arg")),
                             actor: "test@host", on: owner)
        let (observerName, observer) = try role("obs", in: schema, writes: false, admin: owner)
        let (operatorName, operatorConnection) = try role("ops", in: schema, writes: true, admin: owner)
        defer {
            observer.close()
            operatorConnection.close()
            drop(observerName, admin: owner)
            drop(operatorName, admin: owner)
        }
        // Before 18 the observer reads the URL: the hole this migration closes.
        #expect(try observer.execute("SELECT webhook_url FROM switchyard_alert_rules WHERE name = 'chat'").first?["webhook_url"] == Self.secretURL)

        try Migrator().up(on: owner, actor: "test@host")
        for column in ["webhook_url", "command", "*"] {
            #expect(throws: DatabaseError.self, "\(column)") {
                try observer.execute(Query("SELECT \(column) FROM switchyard_alert_rules", parameters: []))
            }
        }
        // The rules as the observer's dashboard, `stats` and `alerts list` read them.
        #expect(try AlertQueries.isAvailable(on: observer))
        let rules = try AlertQueries.rules(on: observer)
        #expect(rules.map(\.target) == ["https://hooks.example.com/…", "command /usr/bin/page …"])
        #expect(try AlertQueries.firing(on: observer).isEmpty)
        let shown = try observer.execute("SELECT webhook_url, command FROM switchyard_alert_rules_shown ORDER BY name").rows
        #expect(shown.map { $0["webhook_url"] ?? $0["command"] ?? "" } == ["https://hooks.example.com/...", "/usr/bin/page ..."])
        // The same masked rules for the owner; the targets themselves for the owner and the operator.
        #expect(try AlertQueries.rules(on: owner) == rules)
        for connection in [owner, operatorConnection] {
            #expect(try connection.execute("SELECT webhook_url FROM switchyard_alert_rules WHERE name = 'chat'").first?["webhook_url"]
                    == Self.secretURL)
        }

        // An observer set up after 18 as docs/operations.md says: the view, never the table.
        let late = "late_\(schema.name)"
        try owner.execute(Query("CREATE ROLE \(late) LOGIN", parameters: []))
        defer { drop(late, admin: owner) }
        try owner.execute(Query("GRANT USAGE ON SCHEMA \(schema.name) TO \(late)", parameters: []))
        try owner.execute(Query("GRANT SELECT ON switchyard_alert_rules_shown, switchyard_alert_episodes, switchyard_alert_deliveries TO \(late)",
                                parameters: []))
        let lateConnection = try PGConnection(settings: ConnectionSettings(
            conninfo: schema.conninfo.replacingOccurrences(of: "://switchyard@", with: "://\(late)@")))
        defer { lateConnection.close() }
        #expect(try AlertQueries.isAvailable(on: lateConnection))
        #expect(try AlertQueries.rules(on: lateConnection) == rules)
        #expect(try AlertQueries.firing(on: lateConnection).isEmpty && AlertQueries.firingCount(on: lateConnection) == 0)
        #expect(throws: DatabaseError.self) { try lateConnection.execute("SELECT webhook_url FROM switchyard_alert_rules") }

        // Down: as before 18, the observer reads the whole table again.
        try Migrator().down(to: 16, on: owner)
        #expect(try observer.execute("SELECT webhook_url FROM switchyard_alert_rules WHERE name = 'chat'").first?["webhook_url"] == Self.secretURL)
        #expect(try owner.count("SELECT (to_regclass('switchyard_alert_rules_shown') IS NOT NULL)::int AS n") == 0)
    }

    /// The mask keeps only scheme, host and port, whatever the URL carries.
    @Test(arguments: [
        ("https://user:pw@hooks.example.com:8443/a?b=c", "https://hooks.example.com:8443/..."),
        ("HTTP://chat.example", "http://chat.example/"),
        ("https://chat.example/", "https://chat.example/"),
        ("https://chat.example?x=1", "https://chat.example/..."),
        ("https://chat.example#frag", "https://chat.example/..."),
    ])
    func theMaskKeepsSchemeHostAndPort(url: String, masked: String) throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try connection.execute("""
            INSERT INTO switchyard_alert_rules (name, condition, threshold, severity, webhook_url, created_by)
            VALUES ('r', 'failed_over', 0, 'warning', \(url), 'test')
            """)
        #expect(try connection.execute("SELECT webhook_url FROM switchyard_alert_rules_shown").first?["webhook_url"] == masked)
    }
}
