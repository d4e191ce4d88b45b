import SwitchyardBroker
import SwitchyardEngine

/// A live account sending to `simulator`, its token in the variable `tokenEnv`.
func liveAccount(_ name: String, simulator: BrokerSimulator, tokenEnv: String = "SWITCHYARD_TEST_BROKER_TOKEN",
                 maxContracts: Int = 2) -> Account {
    liveAccount(name, url: simulator.url, tokenEnv: tokenEnv, maxContracts: maxContracts)
}

/// A live account sending to the broker at `url`, its token in the variable `tokenEnv`.
func liveAccount(_ name: String, url: String, tokenEnv: String = "SWITCHYARD_TEST_BROKER_TOKEN", maxContracts: Int = 2) -> Account {
    var account = Account(name: name, pointValue: 50, riskPerTrade: 1_000, maxContracts: maxContracts)
    account.mode = .live
    account.symbol = "ES"
    account.connector = BrokerConnection(url: url, tokenEnv: tokenEnv)
    return account
}

/// The token the tests' simulators check; never printed by anything under test.
let testBrokerToken = "tok-\(UInt64.random(in: 1...UInt64.max))"

/// A connector for `accounts`, reading the test token.
func testConnector(_ accounts: [Account], timeout: Duration = .seconds(5)) throws -> OrderWebhookConnector {
    try OrderWebhookConnector(accounts: accounts, timeout: timeout) { $0 == "SWITCHYARD_TEST_BROKER_TOKEN" ? testBrokerToken : nil }
}

/// An ENTRY order of task `task` for `account`.
func entryOrder(task: Int, account: String, contracts: Int = 2, databaseID: String = "db-test") -> Order {
    Order(taskID: TaskID(task), tradeID: "T-\(task)", account: account, event: .entry, side: .buy, contracts: contracts,
          price: 4500.25, symbol: "ES", kind: .limit, databaseID: databaseID, attempt: 1)
}

/// A simulator checking the test token, listening on a free port.
func startedSimulator(_ faults: BrokerFaults = BrokerFaults()) throws -> BrokerSimulator {
    let simulator = BrokerSimulator(token: testBrokerToken, faults: faults)
    try simulator.start()
    return simulator
}
