import Testing
import SwitchyardTUI

struct CellBufferTests {
    @Test func wideCharactersTakeTwoColumns() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("日本") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("│█…") == 3)
    }

    @Test func clippingCountsColumnsNotCharacters() {
        #expect("abcdef".clipped(to: 4) == "abc…")
        #expect("日本語".clipped(to: 4) == "日…")
        #expect("日本語".padded(to: 5) == "日本…")
        #expect("ab".padded(to: 4) == "ab  ")
        #expect("ab".leftPadded(to: 4) == "  ab")
        #expect("abcdef".clipped(to: 4, ellipsis: "~") == "abc~")
    }

    @Test func writeStopsAtTheClipAndReplacesControlCharacters() {
        var buffer = CellBuffer(size: TerminalSize(columns: 6, rows: 2))
        buffer.write("a\tbcdefgh", column: 1, row: 0, clip: Rect(column: 0, row: 0, width: 5, height: 1))
        buffer.write("日本語", column: 0, row: 1)
        #expect(buffer.plainText == " a bc \n日本語")
        #expect(buffer[1, 1].isContinuation)
    }

    @Test func aWideCharacterThatDoesNotFitBecomesASpace() {
        var buffer = CellBuffer(size: TerminalSize(columns: 4, rows: 1))
        buffer.write("a日本", column: 0, row: 0)
        #expect(buffer.plainText == "a日 ")
        #expect(DisplayWidth.of(buffer.line(0)) == 4)
    }

    @Test func changesAreOnlyTheCellsThatDiffer() {
        var before = CellBuffer(size: TerminalSize(columns: 10, rows: 3))
        before.write("hello", column: 0, row: 1)
        var after = before
        after.write("J", column: 0, row: 1)
        after.write("!", column: 5, row: 1, role: .failed)
        let runs = after.changes(since: before)
        #expect(runs == [
            CellRun(row: 1, column: 0, text: "J", role: .normal),
            CellRun(row: 1, column: 5, text: "!", role: .failed),
        ])
        #expect(after.changes(since: after).isEmpty)
        #expect(after.changes(since: nil).count == 2 + 3)  // rows 0 and 2 whole; row 1 split in three by role
    }

    @Test func aChangedWideCharacterIsRedrawnWhole() {
        var before = CellBuffer(size: TerminalSize(columns: 4, rows: 1))
        before.write("ab", column: 0, row: 0)
        var after = before
        after.write("日", column: 1, row: 0)
        #expect(after.changes(since: before) == [CellRun(row: 0, column: 1, text: "日", role: .normal)])
    }

    @Test func boxesDrawTheirBorderAndTitle() {
        var buffer = CellBuffer(size: TerminalSize(columns: 12, rows: 3))
        let inner = buffer.box(buffer.bounds, title: "Queue", glyphs: .ascii)
        #expect(inner == Rect(column: 1, row: 1, width: 10, height: 1))
        #expect(buffer.plainText == "+- Queue --+\n|          |\n+----------+")
    }

    @Test func rectanglesSplit() {
        let area = Rect(column: 0, row: 0, width: 80, height: 24)
        let (top, middle, bottom) = area.splitVertically(top: 1, bottom: 1)
        #expect(top.height == 1 && middle == Rect(column: 0, row: 1, width: 80, height: 22) && bottom.row == 23)
        let (left, right) = middle.splitHorizontally(left: 30)
        #expect(left.width == 30 && right.column == 30 && right.width == 50)
    }
}
