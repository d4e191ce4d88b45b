import Testing
@testable import SwitchyardTUI

/// The cursor on its own: ids in, the item it stays on out.
struct ListCursorTests {
    @Test func untouchedItFollowsTheFirstRow() {
        var cursor = ListCursor<Int>()
        #expect(cursor.current(in: [5, 4, 3]) == 5)
        #expect(cursor.reconcile(with: [7, 6, 5, 4, 3], visibleRows: 3) == nil)
        #expect(cursor.current(in: [7, 6, 5, 4, 3]) == 7 && cursor.selected == nil)
        #expect(cursor.current(in: []) == nil && cursor.row(in: []) == nil)
    }

    @Test func aChosenItemKeepsTheCursorWhenRowsArriveAbove() {
        var cursor = ListCursor<Int>()
        cursor.move(by: 2, in: [42, 41, 40, 39], visibleRows: 3)
        #expect(cursor.selected == 40)
        let arrived = [52, 51, 50, 49, 48, 42, 41, 40, 39]
        #expect(cursor.reconcile(with: arrived, visibleRows: 3) == nil)
        #expect(cursor.current(in: arrived) == 40 && cursor.row(in: arrived) == 7)
        // Scrolled as little as keeps it in view: rows 5, 6, 7.
        #expect(cursor.offset == 5)
        #expect(cursor.visibleRange(count: arrived.count, visibleRows: 3, cursorRow: 7) == 5..<8)
    }

    @Test func whenTheItemLeavesItsNeighbourBelowTakesTheCursorAndTheItemIsReported() {
        var cursor = ListCursor<String>()
        cursor.choose("b", in: ["a", "b", "c", "d"], visibleRows: 10)
        #expect(cursor.reconcile(with: ["a", "c", "d"], visibleRows: 10) == "b")
        #expect(cursor.selected == "c")
        // The last row leaving: the one above it.
        cursor.choose("d", in: ["a", "c", "d"], visibleRows: 10)
        #expect(cursor.reconcile(with: ["a", "c"], visibleRows: 10) == "d")
        #expect(cursor.selected == "c")
        // Its neighbours gone too: the same row, else the last.
        cursor.choose("c", in: ["x", "y", "a", "c"], visibleRows: 10)
        #expect(cursor.reconcile(with: ["p", "q", "r", "s", "t"], visibleRows: 10) == "c")
        #expect(cursor.selected == "s")
        // Nothing left: the cursor starts over on whatever comes first.
        #expect(cursor.reconcile(with: [], visibleRows: 10) == "s")
        #expect(cursor == ListCursor())
    }

    @Test func moveStopsAtTheEndsAndScrollsAsLittleAsItCan() {
        let ids = Array(0..<10)
        var cursor = ListCursor<Int>()
        cursor.move(by: -1, in: ids, visibleRows: 4)
        #expect(cursor.selected == 0 && cursor.offset == 0)
        cursor.move(by: 5, in: ids, visibleRows: 4)
        #expect(cursor.selected == 5 && cursor.offset == 2)
        cursor.move(by: 1_000_000, in: ids, visibleRows: 4)
        #expect(cursor.selected == 9 && cursor.offset == 6)
        cursor.move(by: -4, in: ids, visibleRows: 4)
        #expect(cursor.selected == 5 && cursor.offset == 5)
    }
}
