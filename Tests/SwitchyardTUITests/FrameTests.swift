import Foundation
import SwitchyardTestSupport
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// Rendered frames at 80x24 and 120x40, compared with reviewed text files in Snapshots/.
struct FrameTests {
    static let sizes = [TerminalSize(columns: 80, rows: 24), TerminalSize(columns: 120, rows: 40)]

    func render(_ model: DashboardModel, glyphs: Glyphs = .unicode) -> CellBuffer {
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: glyphs)
        return frame
    }

    func name(_ base: String, _ size: TerminalSize) -> String { "\(base)-\(size.columns)x\(size.rows)" }

    @Test(arguments: sizes) func dashboardEmpty(size: TerminalSize) throws {
        let model = Fixture.loaded(Fixture.emptySnapshot, size: size)
        try assertSnapshot(render(model).plainText, named: name("dashboard-empty", size))
    }

    @Test(arguments: sizes) func dashboardBusy(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        model.marked = [TaskID(1038)]
        try assertSnapshot(render(model).plainText, named: name("dashboard-busy", size))
    }

    @Test(arguments: sizes) func taskList(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .key(.character("2")))
        _ = update(&model, .taskListLoaded(Fixture.failedTasks + Fixture.busySnapshot.heldTasks!))
        _ = update(&model, .key(.down))
        try assertSnapshot(render(model).plainText, named: name("task-list", size))
    }

    @Test(arguments: sizes) func taskDetail(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .key(.enter))
        _ = update(&model, .taskDetailLoaded(Fixture.detail))
        try assertSnapshot(render(model).plainText, named: name("task-detail", size))
    }

    @Test(arguments: sizes) func routers(size: TerminalSize) throws {
        var snapshot = Fixture.busySnapshot
        snapshot.control = ControlState(globalPaused: true, pausedEventTypes: ["EXIT"], changedBy: "ops@bastion",
                                        changedAt: Fixture.ago(300), reason: "broker maintenance")
        var model = Fixture.loaded(snapshot, size: size)
        _ = update(&model, .key(.character("3")))
        try assertSnapshot(render(model).plainText, named: name("routers", size))
    }

    @Test(arguments: sizes) func schedules(size: TerminalSize) throws {
        var snapshot = Fixture.busySnapshot
        snapshot.schedules = Fixture.schedules
        var model = Fixture.loaded(snapshot, size: size)
        _ = update(&model, .key(.character("6")))
        _ = update(&model, .key(.down))
        try assertSnapshot(render(model).plainText, named: name("schedules", size))
    }

    @Test func schedulesForAnObserver() throws {
        var snapshot = Fixture.busySnapshot
        snapshot.schedules = Fixture.schedules
        var model = Fixture.loaded(snapshot, readOnly: true)
        _ = update(&model, .key(.character("6")))
        _ = update(&model, .key(.character("p")))
        try assertSnapshot(render(model).plainText, named: "schedules-read-only-80x24")
    }

    @Test func theQueuePanelCountsScheduledTasksApart() throws {
        var snapshot = Fixture.busySnapshot
        snapshot.queue?.scheduled = 25
        let model = Fixture.loaded(snapshot)
        try assertSnapshot(render(model).plainText, named: "dashboard-scheduled-80x24")
    }

    @Test(arguments: sizes) func alerts(size: TerminalSize) throws {
        var snapshot = Fixture.busySnapshot
        snapshot.alerts = Fixture.alerts
        var model = Fixture.loaded(snapshot, size: size)
        _ = update(&model, .key(.character("5")))
        try assertSnapshot(render(model).plainText, named: name("alerts", size))
    }

    /// Observers see the same view, and the header's count, read-only.
    @Test func alertsReadOnly() throws {
        var snapshot = Fixture.busySnapshot
        snapshot.alerts = AlertsState(rules: Fixture.alerts.rules, firing: [], history: [])
        var model = Fixture.loaded(snapshot, readOnly: true, size: .standard)
        _ = update(&model, .key(.character("5")))
        try assertSnapshot(render(model).plainText, named: "alerts-read-only-80x24")
    }

    @Test(arguments: sizes) func accountsPanel(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .key(.tab))
        _ = update(&model, .key(.tab))
        _ = update(&model, .key(.down))
        try assertSnapshot(render(model).plainText, named: name("accounts-panel", size))
        try assertSnapshot(render(model, glyphs: .ascii).plainText, named: name("accounts-panel-ascii", size))
        try assertSnapshot(roleMap(render(model)), named: name("accounts-panel-roles", size))
    }

    @Test(arguments: sizes) func accountsView(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .key(.character("4")))
        _ = update(&model, .key(.down))
        try assertSnapshot(render(model).plainText, named: name("accounts", size))
        let ascii = render(model, glyphs: .ascii).plainText
        #expect(ascii.unicodeScalars.allSatisfy { $0.isASCII })
        try assertSnapshot(ascii, named: name("accounts-ascii", size))
        try assertSnapshot(roleMap(render(model)), named: name("accounts-roles", size))
    }

    @Test(arguments: sizes) func accountDetail(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .key(.character("4")))
        _ = update(&model, .key(.down))
        _ = update(&model, .key(.enter))
        _ = update(&model, .accountDetailLoaded(Fixture.accountDetail))
        try assertSnapshot(render(model).plainText, named: name("account-detail", size))
        try assertSnapshot(render(model, glyphs: .ascii).plainText, named: name("account-detail-ascii", size))
    }

    @Test(arguments: sizes) func perAccountObserver(size: TerminalSize) throws {
        var snapshot = Fixture.busySnapshot
        snapshot.observedAccounts = ["apex-eval-2"]
        snapshot.accounts = snapshot.accounts?.filter { $0.name == "apex-eval-2" }
        var model = Fixture.loaded(snapshot, readOnly: true, size: size)
        _ = update(&model, .key(.character("r")))
        try assertSnapshot(render(model).plainText, named: name("observer-accounts", size))
    }

    /// At 60 columns the schedules' timing gives way; the figures are never cut ("84m…").
    @Test func schedulesCompact() throws {
        var snapshot = Fixture.busySnapshot
        snapshot.schedules = Fixture.schedules
        var model = Fixture.loaded(snapshot, size: TerminalSize(columns: 60, rows: 16))
        _ = update(&model, .key(.character("6")))
        try assertSnapshot(render(model).plainText, named: "schedules-60x16")
    }

    /// A per-account observer reads no alert rules and no schedules (the snapshot brings empty
    /// ones): the views say it may not read them rather than "nothing is firing" or "add one".
    @Test(arguments: ["5", "6"]) func perAccountObserverCannotReadClusterSettings(key: Character) throws {
        var snapshot = Fixture.busySnapshot
        snapshot.observedAccounts = ["apex-eval-2"]
        snapshot.alerts = AlertsState(rules: [], firing: [], history: [])
        snapshot.schedules = []
        var model = Fixture.loaded(snapshot, readOnly: true)
        _ = update(&model, .key(.character(key)))
        let frame = render(model).plainText
        #expect(!frame.contains("add one") && !frame.contains("nothing is firing"))
        try assertSnapshot(frame, named: key == "5" ? "observer-alerts-80x24" : "observer-schedules-80x24")
    }

    /// The frame's colours as text: one letter per cell for its style role (see `roleLetter`).
    func roleMap(_ frame: CellBuffer) -> String {
        (0..<frame.size.rows).map { row in
            String((0..<frame.size.columns).map { Self.roleLetter(frame[$0, row].role) })
        }.joined(separator: "\n")
    }

    /// "." normal, "m" muted, "H" header, "B" badge, "T" title, "|" border, "#" focused border,
    /// "S" selected, "*" marked, "g" good, "w" warning, "f" failed, "o" chart succeeded,
    /// "x" chart failed, "D" dialog, "s" status line, "E" error, "k" key, "L" live.
    static func roleLetter(_ role: StyleRole) -> Character {
        switch role {
        case .normal: "."
        case .muted: "m"
        case .header: "H"
        case .badge: "B"
        case .title: "T"
        case .border: "|"
        case .focusedBorder: "#"
        case .selected: "S"
        case .marked: "*"
        case .good: "g"
        case .warning: "w"
        case .failed: "f"
        case .chartSucceeded: "o"
        case .chartFailed: "x"
        case .dialog: "D"
        case .statusLine: "s"
        case .error: "E"
        case .key: "k"
        case .live: "L"
        }
    }

    @Test(arguments: sizes) func help(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .key(.character("?")))
        try assertSnapshot(render(model).plainText, named: name("help", size))
    }

    @Test(arguments: sizes) func confirmDialog(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .key(.character("R")))
        let action = OperatorAction.retryMatching(TaskFilter(statuses: [.failed]))
        _ = update(&model, .previewLoaded(ActionPreview(action: action, matching: 37,
                                                        question: "retry 37 FAILED ENTRY tasks?")))
        try assertSnapshot(render(model).plainText, named: name("confirm", size))
    }

    @Test(arguments: sizes) func pauseDialog(size: TerminalSize) throws {
        var snapshot = Fixture.busySnapshot
        snapshot.control?.pausedEventTypes = ["EXIT"]
        var model = Fixture.loaded(snapshot, size: size)
        _ = update(&model, .key(.character("P")))
        _ = update(&model, .key(.character("j")))
        try assertSnapshot(render(model).plainText, named: name("pause-dialog", size))
    }

    @Test func errorDialog() throws {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .key(.character("P")))
        _ = update(&model, .key(.enter))
        _ = update(&model, .actionFailed("permission denied for table switchyard_control\n"
                                         + "The database role lacks a privilege; use --read-only to watch, "
                                         + "or connect as the queue's owner."))
        try assertSnapshot(render(model).plainText, named: "error-status-80x24")
        _ = update(&model, .key(.character("e")))
        try assertSnapshot(render(model).plainText, named: "error-dialog-80x24")
    }

    @Test(arguments: sizes) func readOnlyNotice(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, readOnly: true, size: size)
        _ = update(&model, .key(.character("r")))
        try assertSnapshot(render(model).plainText, named: name("read-only", size))
    }

    @Test(arguments: sizes) func disconnected(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .snapshotFailed("connection refused", at: Fixture.now.addingTimeInterval(3)))
        _ = update(&model, .tick(Fixture.now.addingTimeInterval(40), uptime: .seconds(40)))
        try assertSnapshot(render(model).plainText, named: name("disconnected", size))
    }

    @Test(arguments: sizes) func asciiFallback(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        model.marked = [TaskID(1038)]
        let frame = render(model, glyphs: .ascii)
        #expect(frame.plainText.unicodeScalars.allSatisfy { $0.isASCII })
        try assertSnapshot(frame.plainText, named: name("ascii", size))
    }

    /// Failures are a series of their own: a second colour, and a glyph of their own without colour.
    @Test(arguments: sizes) func chartWithFailuresInASCII(size: TerminalSize) throws {
        let frame = render(Fixture.loaded(Fixture.burstSnapshot, size: size), glyphs: .ascii)
        try assertSnapshot(frame.plainText, named: name("chart-failures-ascii", size))
    }

    @Test(arguments: sizes) func chartWithFailuresInColour(size: TerminalSize) throws {
        let frame = render(Fixture.loaded(Fixture.burstSnapshot, size: size))
        let top = size.rows >= 34 ? 9 : 7
        let chart = Rect(column: size.columns >= 110 ? 36 : 32, row: 1, width: size.columns - (size.columns >= 110 ? 36 : 32),
                         height: top)
        try assertSnapshot(colourMap(frame, in: chart, theme: .color), named: name("chart-failures-colour", size))
    }

    @Test func failuresStayVisibleWithoutColour() throws {
        let frame = render(Fixture.loaded(Fixture.burstSnapshot))
        let failed = (0..<24).flatMap { row in (0..<80).filter { frame[$0, row].role == .chartFailed }.map { ($0, row) } }
        #expect(!failed.isEmpty)
        for (column, row) in failed { #expect(frame[column, row].character == Glyphs.unicode.failureBar) }
        #expect(!Glyphs.unicode.bars.contains(Glyphs.unicode.failureBar))
        #expect(!Glyphs.ascii.bars.contains(Glyphs.ascii.failureBar))
        #expect(Theme.monochrome.attributes(for: .chartFailed) != Theme.monochrome.attributes(for: .chartSucceeded))
        #expect(Theme.color.attributes(for: .chartFailed).foreground == .red)
    }

    @Test func oneFailureAmongManySuccessesIsStillACell() {
        let minutes = [ProcessingRates.Minute(start: Fixture.now, succeeded: 5000, failed: 1),
                       ProcessingRates.Minute(start: Fixture.now, succeeded: 0, failed: 0),
                       ProcessingRates.Minute(start: Fixture.now, succeeded: 10, failed: 10)]
        let chart = RatesChart(minutes: minutes, rows: 4)
        #expect(chart.bars[0] == RatesChart.Bar(failedCells: 1, succeededEighths: 24))
        #expect(chart.bars[1] == RatesChart.Bar(failedCells: 0, succeededEighths: 0))
        #expect(chart.bars[2] == RatesChart.Bar(failedCells: 1, succeededEighths: 1))
        #expect(chart.succeededPeak == 5000 && chart.failedPeak == 10)
    }

    /// Below 60x16 only the message asking for a larger window shows.
    @Test(arguments: [TerminalSize(columns: 40, rows: 10), TerminalSize(columns: 59, rows: 24)])
    func tooSmall(size: TerminalSize) throws {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .resized(size))
        try assertSnapshot(render(model).plainText, named: name("too-small", size))
    }

    /// 80x23 (an 80x24 terminal under tmux's status line) shows the whole dashboard; from 60x16
    /// up the compact layout keeps the queue, its lag, the alerts and the router state.
    @Test(arguments: [TerminalSize(columns: 80, rows: 23), TerminalSize(columns: 70, rows: 20),
                      TerminalSize(columns: 60, rows: 16)])
    func compact(size: TerminalSize) throws {
        var snapshot = Fixture.busySnapshot
        snapshot.alerts = Fixture.alerts
        var model = Fixture.loaded(snapshot)
        _ = update(&model, .resized(size))
        try assertSnapshot(render(model).plainText, named: name("dashboard-busy", size))
    }

    @Test func unavailablePartsSayWhyAndTheRestStillShows() throws {
        var snapshot = Fixture.busySnapshot
        snapshot.rates = nil
        snapshot.routers = nil
        snapshot.unavailable = ["rates": "needs migration 4", "routers": "needs migration 3",
                                "recentLogs": "timed out"]
        let model = Fixture.loaded(snapshot, readOnly: true)
        try assertSnapshot(render(model).plainText, named: "unavailable-80x24")
    }

    @Test func aPartThatTimedOutShowsItsLastValueMarkedStale() {
        var model = Fixture.loaded(Fixture.busySnapshot, size: TerminalSize(columns: 120, rows: 40))
        var timedOut = Fixture.busySnapshot
        timedOut.takenAt = Fixture.now.addingTimeInterval(1)
        timedOut.rates = nil
        timedOut.unavailable = ["rates": "timed out"]
        _ = update(&model, .snapshotLoaded(timedOut, at: Fixture.now.addingTimeInterval(1)))
        let text = render(model).plainText
        #expect(text.contains("(stale: timed out)"))
        #expect(!text.contains("unavailable: timed out"))
        #expect(text.contains("last min"))   // the chart's legend: the earlier rates are drawn
    }

    @Test func everyFrameLineIsExactlyTheTerminalWidth() {
        for size in Self.sizes + [TerminalSize(columns: 70, rows: 20), TerminalSize(columns: 200, rows: 60)] {
            let frame = render(Fixture.loaded(Fixture.busySnapshot, size: size))
            for row in 0..<size.rows { #expect(DisplayWidth.of(frame.line(row)) == size.columns) }
        }
    }

    @Test func stylesMarkWhatMatters() throws {
        let frame = render(Fixture.loaded(Fixture.busySnapshot))
        #expect(frame[0, 0].role == .header)
        // The selected failed task is the first row under the table header of the failed panel.
        let failedRow = try #require((0..<24).first { frame.line($0).contains("#1042  ES-") })
        #expect(frame[10, failedRow].role == .selected)
        let logRow = try #require((0..<24).first { frame.line($0).contains("#1042  ES-") && $0 != failedRow })
        #expect(frame[10, logRow].role == .failed)
    }
}

/// The cells of `area` as text, then each cell's colour in `theme`: the foreground's initial
/// (r, g, y, b, m, c, w, k), upper case when bold, "." for the terminal's default.
func colourMap(_ frame: CellBuffer, in area: Rect, theme: Theme) -> String {
    let initials: [TerminalColor: Character] = [.black: "k", .red: "r", .green: "g", .yellow: "y", .blue: "b",
                                                .magenta: "m", .cyan: "c", .white: "w"]
    var text: [String] = []
    var colours: [String] = []
    for row in area.row..<area.maxRow {
        var line = ""
        var colour = ""
        for column in area.column..<area.maxColumn {
            let cell = frame[column, row]
            if !cell.isContinuation { line.append(cell.character) }
            let attributes = theme.attributes(for: cell.role)
            let initial = attributes.foreground.flatMap { initials[$0] } ?? "."
            colour.append(attributes.bold ? Character(initial.uppercased()) : initial)
        }
        text.append(line)
        colours.append(colour)
    }
    return (text + [""] + colours).joined(separator: "\n")
}
