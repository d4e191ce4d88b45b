import Testing
@testable import SwitchyardEngine

/// The accounts file's live keys: what a live account must say, and the errors that say what to fix.
struct LiveAccountSettingsTests {
    static func account(_ keys: String) -> String {
        #"{"accounts":[{"name":"apex-live","point_value":50,"risk_per_trade":500,"max_contracts":3"# + keys + "}]}"
    }

    static func refusal(_ keys: String) -> String {
        do {
            _ = try AccountSet(json: account(keys))
            return "(accepted)"
        } catch {
            return "\(error)"
        }
    }

    @Test func anAccountIsDryRunUnlessItSaysLiveAndALiveOneParsesWithItsLimits() throws {
        let dry = try AccountSet(json: Self.account(""))
        #expect(dry.accounts[0].mode == .dryRun && dry.live.isEmpty)
        let live = try AccountSet(json: Self.account(#"""
            ,"mode":"live","symbol":"ES","connector":{"url":"https://broker.example/api","token_env":"APEX_TOKEN"},
            "max_position":4,"daily_loss_limit":1500,"max_orders_per_minute":20,"time_zone":"America/Chicago"
            """#))
        let account = try #require(live.live.first)
        #expect(account.symbol == "ES" && account.timeZone == "America/Chicago")
        #expect(account.connector == BrokerConnection(url: "https://broker.example/api", tokenEnv: "APEX_TOKEN"))
        #expect(account.limits == RiskLimits(maxPosition: 4, dailyLossLimit: 1500, maxOrdersPerMinute: 20))
    }

    @Test(arguments: [
        (#","mode":"live","connector":{"url":"https://b.example","token_env":"T"}"#, "needs a \"symbol\""),
        (#","mode":"live","symbol":"ES""#, "needs a \"connector\""),
        (#","mode":"live","symbol":"ES","connector":{"url":"ftp://b.example","token_env":"T"}"#, "must start with https://"),
        (#","mode":"live","symbol":"ES","connector":{"url":"https://b.example"}"#, "names no token"),
        (#","mode":"live","symbol":"ES","connector":{"url":"https://b.example","token_env":"T","token_file":"/t"}"#, "keep one"),
        (#","max_position":-1"#, "max_position must be 0 or more"),
        (#","max_orders_per_minute":0"#, "max_orders_per_minute must be 1 or more"),
        (#","daily_loss_limit":-5"#, "daily_loss_limit must be 0 or more"),
        (#","time_zone":"Mars/Olympus""#, "is not a time zone"),
        (#","mode":"paper""#, "mode"),
    ])
    func aLiveAccountThatCannotWorkIsRefusedSayingWhatToFix(keys: String, expected: String) {
        let text = Self.refusal(keys)
        #expect(text.contains(expected), "\(text)")
        #expect(text.contains("apex-live") || text.contains("accounts[0]"), "\(text)")
    }
}
