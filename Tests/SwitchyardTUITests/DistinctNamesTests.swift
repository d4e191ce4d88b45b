import Testing
@testable import SwitchyardTUI

/// Names cut to a width stay different from each other.
struct DistinctNamesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var names: [String]
        var width: Int
        var ellipsis: Character = "…"
        var shown: [String]
        var testDescription: String { "\(names) in \(width)" }
    }

    static let cases: [Case] = [
        // Names that fit stay whole.
        Case(names: ["sim-1", "sim-2"], width: 6, shown: ["sim-1", "sim-2"]),
        // The start tells them apart: plain clipping.
        Case(names: ["topstep-funded", "paper-disabled", "apex-eval-1"], width: 8,
             shown: ["topstep…", "paper-d…", "apex-ev…"]),
        // A shared start: the distinguishing tail, from its separator.
        Case(names: ["apex-eval-07", "apex-eval-12"], width: 9, shown: ["apex-…-07", "apex-…-12"]),
        Case(names: ["apex-eval-1", "apex-eval-2", "topstep-funded"], width: 6, shown: ["ape…-1", "ape…-2", "topst…"]),
        Case(names: ["apex-eval-1", "apex-eval-2", "apex-eval-12"], width: 9,
             shown: ["apex-e…-1", "apex-e…-2", "apex-…-12"]),
        Case(names: ["DEMO-1a2b3c4-1234", "DEMO-1a2b3c4-1235", "DEMO-1a2b3c4-99"], width: 16,
             shown: ["DEMO-1a2b3…-1234", "DEMO-1a2b3…-1235", "DEMO-1a2b3c4-99"]),
        // Start and end shared: the tail reaches back to where they differ.
        Case(names: ["apex-eval-1-main", "apex-eval-2-main"], width: 10, shown: ["ap…-1-main", "ap…-2-main"]),
        // One name the start of another.
        Case(names: ["apex-eval-1", "apex-eval-1-old"], width: 10, shown: ["apex-ev…-1", "apex-…-old"]),
        // No separator near the difference: the shortest distinguishing tail.
        Case(names: ["ESZ20261123A", "ESZ20261123B"], width: 8, shown: ["ESZ202…A", "ESZ202…B"]),
        // ASCII ellipsis, and wide characters counted as two columns.
        Case(names: ["apex-eval-07", "apex-eval-12"], width: 9, ellipsis: "~", shown: ["apex-~-07", "apex-~-12"]),
        Case(names: ["東京-口座-1", "東京-口座-2"], width: 8, shown: ["東京-…-1", "東京-…-2"]),
        // Only the tail fits; too narrow even for that: plain clipping, as before.
        Case(names: ["apex-eval-1", "apex-eval-2"], width: 2, shown: ["…1", "…2"]),
        Case(names: ["apex-eval-1", "apex-eval-2"], width: 1, shown: ["…", "…"]),
    ]

    @Test(arguments: cases)
    func shortensToDistinctNames(_ example: Case) {
        let names = DistinctNames(example.names, width: example.width, ellipsis: example.ellipsis)
        #expect(example.names.map { names[$0] } == example.shown)
        for name in example.names { #expect(DisplayWidth.of(names[name]) <= example.width) }
    }

    /// Many names of one shape, at every width where a distinguishing tail fits: all different,
    /// none wider than the column.
    @Test(arguments: 6...16)
    func manySimilarNamesStayDistinct(width: Int) {
        let names = (0..<150).map { "acct-\($0)" } + (0..<150).map { "DEMO-q7x-\($0 * 7)" } + ["apex-eval-1", "apex-eval-10"]
        let short = DistinctNames(names, width: width, ellipsis: "…")
        let shown = names.map { short[$0] }
        #expect(Set(shown).count == names.count, "\(Dictionary(grouping: names) { short[$0] }.filter { $0.value.count > 1 })")
        #expect(shown.allSatisfy { DisplayWidth.of($0) <= width })
    }

    @Test func aNameOutsideTheSetIsClipped() {
        let names = DistinctNames(["apex-eval-1", "apex-eval-2"], width: 8, ellipsis: "…")
        #expect(names["topstep-funded"] == "topstep…")
        #expect(names["apex-eval-1"] == "apex-…-1")
    }
}

/// Where the dashboard clips names, two accounts or two trades stay apart (they were all `apex-…`).
struct DistinctNamesOnScreenTests {
    func render(_ model: DashboardModel) -> String {
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: .unicode)
        return frame.plainText
    }

    @Test func theLogsPanelTellsTheDemoAccountsApartAt80Columns() {
        var snapshot = Fixture.busySnapshot
        snapshot.recentLogs = ["apex-eval-1", "apex-eval-2", "topstep-funded"].enumerated().map { index, account in
            Fixture.log(9200 + index, task: 1060, trade: "DEMO-1a2b3c4-1234", account: account, status: "SUCCESS", code: 200,
                        message: "dry-run: BUY 2 contracts", age: 5)
        }
        let frame = render(Fixture.loaded(snapshot))
        #expect(frame.contains("ENTRY apex-…-1 SUCCESS"), "\(frame)")
        #expect(frame.contains("ENTRY apex-…-2 SUCCESS"), "\(frame)")
        #expect(frame.contains("ENTRY topstep… SUCCESS"), "\(frame)")
    }

    @Test func theTaskListTellsDemoTradesApart() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .key(.character("2")))
        _ = update(&model, .taskListLoaded(["DEMO-1a2b3c4-1234", "DEMO-1a2b3c4-1235"].enumerated().map { index, trade in
            Fixture.failedTask(1100 + index, trade: trade, error: "refused", age: 30)
        }))
        let frame = render(model)
        #expect(frame.contains("#1100  DEMO-1a2b3…-1234 ENTRY"), "\(frame)")
        #expect(frame.contains("#1101  DEMO-1a2b3…-1235 ENTRY"), "\(frame)")
    }
}
