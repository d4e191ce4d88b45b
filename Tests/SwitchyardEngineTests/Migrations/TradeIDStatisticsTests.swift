import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// Migration 22: the planner counts about two tasks a trade whatever ANALYZE's sample holds, so
/// the lookups by trade (an EXIT's ENTRY in every claim, the archive's trades) stay lookups on a
/// queue of tens of millions (docs/performance.md, "At thirty million tasks").
@Suite(.database) struct TradeIDStatisticsTests {
    /// The planner's distinct trade ids for this schema's queue, as pg_stats has them.
    func distinctTrades(_ connection: PGConnection) throws -> Double? {
        try connection.execute("""
            SELECT n_distinct::float8 AS n FROM pg_stats
            WHERE schemaname = current_schema() AND tablename = 'execution_tasks' AND attname = 'trade_id'
            """).first?.decodeIfPresent("n")
    }

    @Test func theEstimateIsHalfTheTasksAfterAnyAnalyzeAndTheSampledOneAfterDown() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let owner = try schema.connect()
        // A sample that sees one trade id among 2,000 tasks: left to itself, ANALYZE says 1.
        try owner.execute("""
            INSERT INTO execution_tasks (trade_id, event_type, status)
            SELECT 'ONE-TRADE', 'ENTRY', 'SUCCESS' FROM generate_series(1, 2000)
            """)
        try owner.execute("ANALYZE execution_tasks")
        #expect(try distinctTrades(owner) == -0.5)

        let migrator = Migrator()
        try migrator.down(to: 21, on: owner)
        try owner.execute("ANALYZE execution_tasks")
        #expect(try distinctTrades(owner) == 1)

        try migrator.up(on: owner, actor: "test")
        #expect(try distinctTrades(owner) == -0.5, "migration 22 analyzes the table itself")
    }
}
