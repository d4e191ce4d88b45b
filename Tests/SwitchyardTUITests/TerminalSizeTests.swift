import Testing
import SwitchyardTUI

struct TerminalSizeTests {
    @Test func eightyByTwentyFourIsTheMinimum() {
        #expect(TerminalSize(columns: 80, rows: 24).isLargeEnough)
        #expect(!TerminalSize(columns: 79, rows: 24).isLargeEnough)
        #expect(!TerminalSize(columns: 80, rows: 23).isLargeEnough)
    }
}
