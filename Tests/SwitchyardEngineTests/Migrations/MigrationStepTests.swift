import SwitchyardResources
import Testing
@testable import SwitchyardEngine

/// Reading a migration file as steps, and the rule every shipped migration keeps: the hot tables
/// are never indexed inside a transaction (docs/pitfalls.md, "Online migrations").
struct MigrationStepTests {
    func migration(_ up: String) -> EmbeddedMigration {
        EmbeddedMigration(version: 99, name: "sample", up: up, down: "")
    }

    @Test func aFileWithoutStepLinesIsOneTransaction() throws {
        let steps = try migration("-- a comment\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n").steps()
        #expect(steps.map(\.kind) == [.transaction])
        #expect(steps[0].statements == ["CREATE TABLE a (id int);", "CREATE TABLE b (id int);"])
    }

    @Test func stepLinesSplitAFileIntoOrderedSteps() throws {
        let steps = try migration("""
            -- Only comments before the first step line make no step.
            --@ transaction
            CREATE OR REPLACE TRIGGER t AFTER INSERT ON execution_logs
                FOR EACH STATEMENT EXECUTE FUNCTION f();
            --@ backfill counts of old rows over execution_logs.id from SELECT min(id) - 1 FROM execution_logs WHERE x
            LOCK TABLE counts IN SHARE ROW EXCLUSIVE MODE;
            INSERT INTO counts SELECT count(*) FROM execution_logs WHERE id > $1 AND id <= $2;
            --@ no transaction
            -- The index a query needs.
            CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_one
                ON execution_logs (task_id);
            ALTER TABLE execution_logs VALIDATE CONSTRAINT c;
            """).steps()
        #expect(steps.map(\.kind) == [
            .transaction,
            .backfill(.init(label: "counts of old rows", table: "execution_logs", column: "id",
                            from: "SELECT min(id) - 1 FROM execution_logs WHERE x")),
            .noTransaction,
        ])
        #expect(steps[1].statements.count == 2)
        #expect(steps[2].statements == ["CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_one\n    ON execution_logs (task_id);",
                                        "ALTER TABLE execution_logs VALIDATE CONSTRAINT c;"])
        #expect(MigrationStep.concurrentIndexName(steps[2].statements[0]) == "idx_one")
        #expect(MigrationStep.concurrentIndexName(steps[2].statements[1]) == nil)
        #expect(MigrationStep.concurrentIndexName("CREATE INDEX CONCURRENTLY idx_two ON t (a);") == "idx_two")
        #expect(MigrationStep.concurrentIndexName("CREATE INDEX idx_three ON t (a);") == nil)
    }

    @Test func aMalformedStepLineIsAnErrorThatNamesIt() {
        #expect(throws: DatabaseError.self) { try migration("--@ notransaction\nSELECT 1;").steps() }
        let noTable = #expect(throws: DatabaseError.self) { try migration("SELECT 1;\n--@ backfill x over execution_logs\nSELECT 1;").steps() }
        #expect(noTable?.message == "Migration 99: `--@ backfill x over execution_logs` names no TABLE.COLUMN to walk.")
        // A backfill's range is fixed by the transaction before it.
        let first = #expect(throws: DatabaseError.self) { try migration("--@ backfill x over t.id\nSELECT 1;").steps() }
        #expect(first?.message.contains("must follow a transactional step") == true)
    }

    @Test func everyShippedMigrationReadsAsSteps() throws {
        for migration in SwitchyardResources.migrations {
            #expect(try !migration.steps().isEmpty, "migration \(migration.version)")
        }
    }

    /// A plain CREATE INDEX (or DROP INDEX) on the queue's tables inside a transaction stops every
    /// writer for the whole build; outside a transaction, only concurrent forms, VALIDATE and the
    /// planner's statistics (ANALYZE, a column's `n_distinct`) belong.
    @Test func theQueueTablesAreIndexedOnlyConcurrently() throws {
        for migration in SwitchyardResources.migrations {
            for step in try migration.steps() {
                for statement in step.statements {
                    let words = statement.uppercased().split(whereSeparator: { $0 == " " || $0 == "\n" })
                    let text = words.joined(separator: " ")
                    switch step.kind {
                    case .transaction:
                        let indexesQueue = (text.hasPrefix("CREATE INDEX") || text.hasPrefix("CREATE UNIQUE INDEX"))
                            && (text.contains(" ON EXECUTION_TASKS ") || text.contains(" ON EXECUTION_LOGS "))
                        let dropsQueueIndex = text.hasPrefix("DROP INDEX") && text.contains("IDX_EXECUTION_")
                        #expect(!indexesQueue && !dropsQueueIndex, "migration \(migration.version): \(statement)")
                    case .noTransaction:
                        // Or a statement whose only lock is SHARE UPDATE EXCLUSIVE: writers go on.
                        let statistics = text.hasPrefix("ANALYZE ")
                            || (text.hasPrefix("ALTER TABLE ") && text.contains(" ALTER COLUMN ") && text.contains(" SET (N_DISTINCT"))
                        #expect(text.contains(" CONCURRENTLY ") || text.contains(" VALIDATE CONSTRAINT ") || statistics,
                                "migration \(migration.version): \(statement)")
                    case .backfill:
                        #expect(statement.contains("$1") || statement.hasPrefix("LOCK TABLE"), "migration \(migration.version)")
                    }
                }
            }
        }
    }
}
