import Foundation
import Testing
@testable import SwitchyardEngine

struct QueryTests {
    @Test func valuesBecomeNumberedParameters() {
        let query: Query = "SELECT \(7) AS a, \("x") AS b, \(String?.none) AS c"
        #expect(query.sql == "SELECT $1 AS a, $2 AS b, $3 AS c")
        #expect(query.parameters == ["7", "x", nil])
    }

    @Test func unescapedFragmentsAreSplicedVerbatimAndBindNothing() {
        let columns = "id, status"
        let query: Query = "SELECT \(unescaped: columns) FROM execution_tasks WHERE id = \(3)"
        #expect(query.sql == "SELECT id, status FROM execution_tasks WHERE id = $1")
        #expect(query.parameters == ["3"])
    }

    @Test func splicedQueriesAreRenumberedAfterTheOuterParameters() {
        let condition: Query = "status = \("FAILED") AND event_type = \("ENTRY")"
        let query: Query = "SELECT id FROM execution_tasks WHERE id > \(10) AND \(condition) LIMIT \(5)"
        #expect(query.sql == "SELECT id FROM execution_tasks WHERE id > $1 AND status = $2 AND event_type = $3 LIMIT $4")
        #expect(query.parameters == ["10", "FAILED", "ENTRY", "5"])
    }

    @Test func renumberingRunsPastNineAndKeepsHandNumberedQueries() {
        let inner = Query("a = $1 AND b = $2 AND a <> $1", parameters: ["x", "y"])
        var outer: Query = ""
        for number in 1...9 { outer = "\(outer)\(number) " }
        let query: Query = "\(outer)\(inner)"
        #expect(query.sql.hasSuffix("a = $10 AND b = $11 AND a <> $10"))
        #expect(query.parameters.count == 11)
        #expect(query.parameters.suffix(2) == ["x", "y"])
    }

    @Test func renumberingLeavesQuotesCommentsDollarQuotesAndNamesAlone() {
        let inner = Query("""
            SELECT '$1', "col$1", $$ $1 $$, $tag$ $1 $tag$, a$1, $1 -- $1 it's
            /* $1 */ FROM t WHERE x = $1
            """, parameters: ["v"])
        let query: Query = "\(1) \(inner)"
        #expect(query.sql == """
            $1 SELECT '$1', "col$1", $$ $1 $$, $tag$ $1 $tag$, a$1, $2 -- $1 it's
            /* $1 */ FROM t WHERE x = $2
            """)
    }

    @Test func queriesJoinWithASeparator() {
        let parts: [Query] = ["a = \(1)", "b = \(2)", "c = \(3)"]
        let joined = parts.joined(separator: " AND ")
        #expect(joined.sql == "a = $1 AND b = $2 AND c = $3")
        #expect(joined.parameters == ["1", "2", "3"])
        #expect([Query]().joined(separator: " AND ").sql == "")
    }
}

@Suite(.database) struct ComposedQueryDatabaseTests {
    @Test func aComposedQueryRunsWithItsRenumberedParameters() throws {
        let connection = try TestDatabase.makeSchema().connect()
        let inner: Query = "\(2)::int + \(3)::int"
        let row = try #require(try connection.execute("SELECT \(10)::int * (\(inner)) AS n, \("ok") AS tag").first)
        #expect(try row.decode("n", as: Int.self) == 50)
        #expect(try row.decode("tag", as: String.self) == "ok")
    }
}
