import Foundation
import Testing
@testable import SwitchyardEngine

/// An account names where its token is, never the token: printed, reflected or encoded, it
/// shows the variable's name or the file's path; a connector URL carrying a credential is refused.
struct BrokerConnectionSecretsTests {
    @Test func anAccountPrintsAndEncodesWithoutItsToken() throws {
        let token = "sy-token-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        setenv("SY_PRINT_TOKEN", token, 1)
        defer { unsetenv("SY_PRINT_TOKEN") }
        let set = try AccountSet(json: """
            {"accounts": [{"name": "apex-live", "point_value": 50, "risk_per_trade": 500, "max_contracts": 2,
              "mode": "live", "symbol": "ES", "connector": {"url": "https://broker.example/v1", "token_env": "SY_PRINT_TOKEN"}}]}
            """)
        let account = try #require(set["apex-live"])
        let connection = try #require(account.connector)
        #expect(connection.description == "https://broker.example/v1 (token: $SY_PRINT_TOKEN)")
        let encoded = String(decoding: try JSONEncoder().encode(account), as: UTF8.self)
        for text in [String(describing: account), String(reflecting: account), "\(connection)", String(reflecting: connection),
                     encoded, String(describing: set)] {
            #expect(!text.contains(token), "\(text)")
        }
        #expect(BrokerConnection(url: "https://b.example", tokenFile: "/etc/switchyard/apex.token").description
                == "https://b.example (token: file /etc/switchyard/apex.token)")
    }

    @Test(arguments: ["https://user:hunter2@broker.example", "https://broker.example/v1?api_key=hunter2",
                      "https://hunter2@broker.example/v1", "https://broker.example/#hunter2"])
    func aConnectorURLCarryingACredentialIsRefusedWithoutRepeatingIt(url: String) {
        let json = """
            {"accounts": [{"name": "apex-live", "point_value": 50, "risk_per_trade": 500, "max_contracts": 2,
              "mode": "live", "symbol": "ES", "connector": {"url": "\(url)", "token_env": "T"}}]}
            """
        let error = #expect(throws: AccountsError.self) { try AccountSet(json: json) }
        #expect(error?.message.contains("must not carry a user, password or query") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("hunter2") == false, "\(error?.message ?? "")")
    }
}
