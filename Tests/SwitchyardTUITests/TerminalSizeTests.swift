import Testing
import SwitchyardTUI

struct TerminalSizeTests {
    /// 60x16 is the smallest the dashboard draws into; 80x23 (an 80x24 terminal under tmux's
    /// status line) is well above it.
    @Test func sixtyBySixteenIsTheMinimum() {
        #expect(TerminalSize(columns: 60, rows: 16).isLargeEnough)
        #expect(TerminalSize(columns: 80, rows: 23).isLargeEnough)
        #expect(!TerminalSize(columns: 59, rows: 24).isLargeEnough)
        #expect(!TerminalSize(columns: 80, rows: 15).isLargeEnough)
        #expect(!TerminalSize(columns: 40, rows: 10).isLargeEnough)
    }
}
