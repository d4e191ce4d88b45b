import Foundation
import SwitchyardEngine
import SwitchyardTestSupport
import Testing
@testable import SwitchyardTUI

/// The header says [LIVE] whenever real orders may be going out: the embedded router routes live
/// accounts, or a router alive in the routers table does (an observer sees it too). Its own role
/// (`.live`), and its own text, so it never depends on colour.
struct LiveHeaderTests {
    static let sizes = [TerminalSize(columns: 80, rows: 24), TerminalSize(columns: 80, rows: 23),
                        TerminalSize(columns: 60, rows: 16)]

    func render(_ model: DashboardModel) -> CellBuffer {
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: .unicode)
        return frame
    }

    /// The embedded router, started with --live.
    func liveOperator(size: TerminalSize = .standard) -> DashboardModel {
        var model = Fixture.loaded(Fixture.busySnapshot, size: size)
        _ = update(&model, .routerStatusChanged(RouterStatusLine(state: .running, dryRun: false)))
        return model
    }

    /// An observer's snapshot in which router-b routes live.
    static var snapshotWithALiveRouter: DashboardSnapshot {
        var snapshot = Fixture.busySnapshot
        snapshot.routers?[1].dryRun = false
        return snapshot
    }

    /// The columns of row 0 whose role is `.live`, as text.
    func liveText(_ frame: CellBuffer, row: Int = 0) -> String {
        String((0..<frame.size.columns).filter { frame[$0, row].role == .live }.map { frame[$0, row].character })
    }

    @Test(arguments: sizes) func theOperatorsLiveRouterShowsLIVEInTheHeader(size: TerminalSize) throws {
        let frame = render(liveOperator(size: size))
        #expect(liveText(frame) == "[LIVE]")
        #expect(!frame.plainText.contains("DRY"))
        try assertSnapshot(frame.plainText, named: "live-operator-\(size.columns)x\(size.rows)")
        if size == .standard {
            try assertSnapshot(FrameTests().roleMap(frame), named: "live-operator-roles-80x24")
        }
    }

    @Test func aDryRunRouterShowsNoLIVE() {
        let frame = render(Fixture.loaded(Fixture.busySnapshot))
        #expect(liveText(frame).isEmpty)
        #expect(!frame.plainText.contains("[LIVE]"))
        #expect(frame.plainText.contains("DRY-RUN"))
    }

    /// An observer has no router of its own: the routers table's `dry_run` says it, and the
    /// routers view names the live one.
    @Test func anObserverSeesLIVEWhenAnyRouterAliveRoutesLive() throws {
        var model = Fixture.loaded(Self.snapshotWithALiveRouter, readOnly: true)
        var frame = render(model)
        #expect(liveText(frame) == "[LIVE]")
        try assertSnapshot(frame.plainText, named: "live-observer-80x24")
        _ = update(&model, .key(.character("3")))
        frame = render(model)
        let rows = frame.plainText.split(separator: "\n")
        #expect(rows.contains { $0.contains("router-b") && $0.contains("LIVE") })
        #expect(rows.contains { $0.contains("router-a") && $0.contains("dry-run") })
        let liveRow = try #require(rows.firstIndex { $0.contains("router-b") })
        let dryRow = try #require(rows.firstIndex { $0.contains("router-a") })
        #expect(frame[2, liveRow].role == .live && frame[2, dryRow].role == .good)
    }

    /// A live router that stopped, or whose heartbeat lapsed, sends nothing: no LIVE.
    @Test func aStoppedOrStaleLiveRouterIsNotLIVE() {
        var snapshot = Fixture.busySnapshot
        snapshot.routers?[2].dryRun = false   // router-old: stopped, not live
        #expect(liveText(render(Fixture.loaded(snapshot, readOnly: true))).isEmpty)
        var stopped = liveOperator()
        _ = update(&stopped, .routerStatusChanged(RouterStatusLine(state: .stopped, dryRun: false)))
        #expect(liveText(render(stopped)).isEmpty)
    }

    /// Too small for the dashboard, still [LIVE] on the first line.
    @Test(arguments: [TerminalSize(columns: 40, rows: 10), TerminalSize(columns: 59, rows: 24)])
    func tooSmallStillSaysLIVE(size: TerminalSize) throws {
        var model = liveOperator()
        _ = update(&model, .resized(size))
        let frame = render(model)
        #expect(liveText(frame).hasPrefix("[LIVE]"))
        try assertSnapshot(frame.plainText, named: "live-too-small-\(size.columns)x\(size.rows)")
    }

    /// Without colour the role still looks unlike the header around it (not reversed, bold,
    /// underlined), and the brackets are text; with colour it has a colour of its own.
    @Test func theLiveRoleIsItsOwnWithAndWithoutColour() {
        let mono = Theme.monochrome
        #expect(mono.attributes(for: .live) != mono.attributes(for: .header))
        #expect(mono.attributes(for: .live) != mono.attributes(for: .badge))
        #expect(mono.attributes(for: .live).foreground == nil && mono.attributes(for: .live).background == nil)
        #expect(mono.attributes(for: .live).bold && !mono.attributes(for: .live).reverse)
        let colour = Theme.color
        let used = StyleRole.allCases.filter { $0 != .live }.map { colour.attributes(for: $0).background }
        #expect(colour.attributes(for: .live).background != nil && !used.contains(colour.attributes(for: .live).background))
    }
}
