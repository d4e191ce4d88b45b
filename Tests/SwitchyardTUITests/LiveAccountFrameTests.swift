import Foundation
import SwitchyardTestSupport
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// The accounts view with a live account: its state says live, and under the list the order
/// ledger's figures on its trading day (contracts open, orders, realised P&L).
struct LiveAccountFrameTests {
    static var snapshot: DashboardSnapshot {
        var snapshot = Fixture.busySnapshot
        snapshot.accounts = snapshot.accounts?.map { account in
            var account = account
            if account.name == "apex-eval-2" {
                account.live = AccountFigures.Live(openContracts: 3, ordersToday: 12, realisedToday: -450,
                                                   tradingDay: "2026-11-23", timeZone: "America/New_York")
            }
            return account
        }
        return snapshot
    }

    @Test(arguments: FrameTests.sizes) func accountsViewWithALiveAccount(size: TerminalSize) throws {
        let frames = FrameTests()
        var model = Fixture.loaded(Self.snapshot, size: size)
        _ = update(&model, .key(.character("4")))
        _ = update(&model, .key(.down))
        try assertSnapshot(frames.render(model).plainText, named: frames.name("accounts-live", size))
        _ = update(&model, .key(.enter))
        _ = update(&model, .accountDetailLoaded(Fixture.accountDetail))
        let detail = frames.render(model).plainText
        #expect(detail.contains("live: 3 contracts open, 12 orders, realised -450.00 on 2026-11-23"))
    }
}
