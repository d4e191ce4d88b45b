import Foundation
import SwitchyardBroker
import Testing
@testable import SwitchyardEngine

/// The order webhook connector against the simulator: each answer of the protocol becomes the
/// disposition docs/router.md gives it, with the broker's order and a message that never holds
/// the token; tokens are read at start, from a variable or an owner-only file.
@Suite struct OrderWebhookConnectorTests {
    @Test func anAcceptedOrderCarriesTheBrokersOrderAndTheProtocolsBody() throws {
        let broker = try startedSimulator()
        defer { broker.stop() }
        let connector = try testConnector([liveAccount("apex-1", simulator: broker)])
        let order = entryOrder(task: 42, account: "apex-1")
        let result = connector.send(order)
        #expect(result.disposition == .accepted && result.code == 201)
        #expect(result.broker == BrokerOrder(orderID: "SIM-1", status: .filled, filledQuantity: 2, averagePrice: 4500.25))
        #expect(result.message == "broker order SIM-1 filled 2 at 4500.25 (db-test:42:apex-1).")
        let sent = try #require(broker.ledger.first).order
        #expect(sent == OrderWebhookWire.OrderBody(clientOrderID: "db-test:42:apex-1", account: "apex-1", symbol: "ES", side: "BUY",
                                                   quantity: 2, orderType: "limit", limitPrice: 4500.25, tradeID: "T-42", taskID: 42,
                                                   event: "ENTRY", reduceOnly: false))
        let replay = connector.send(order)
        #expect(replay.disposition == .accepted && replay.message.contains("a replay of the order already taken"))
        #expect(connector.follow("SIM-1", account: "apex-1").broker?.status == .filled)
    }

    @Test func askingByKeyFindsTheOrderTakenOrSaysThereIsNoneAndCreatesNothing() throws {
        let broker = try startedSimulator()
        defer { broker.stop() }
        let connector = try testConnector([liveAccount("apex-1", simulator: broker)])
        _ = connector.send(entryOrder(task: 42, account: "apex-1"))
        let found = connector.lookUp(key: "db-test:42:apex-1", account: "apex-1")
        #expect(found.disposition == .accepted && found.code == 200)
        #expect(found.broker == BrokerOrder(orderID: "SIM-1", status: .filled, filledQuantity: 2, averagePrice: 4500.25))
        let missing = connector.lookUp(key: "db-test:43:apex-1", account: "apex-1")
        #expect(missing.disposition == .refused && missing.code == 404 && missing.broker == nil)
        #expect(missing.message.hasPrefix("The broker has no order under db-test:43:apex-1"), "\(missing.message)")
        #expect(broker.ledger.map(\.key) == ["db-test:42:apex-1"] && broker.requestsReceived == 1)
    }

    @Test func eachAnswerGetsItsDisposition() throws {
        let broker = try startedSimulator()
        defer { broker.stop() }
        let connector = try testConnector([liveAccount("apex-1", simulator: broker), liveAccount("bad", simulator: broker)],
                                          timeout: .milliseconds(300))
        broker.faults = BrokerFaults(failNext: 1)
        let outage = connector.send(entryOrder(task: 1, account: "apex-1"))
        #expect(outage.disposition == .retry(after: nil) && outage.code == 503)
        broker.faults = BrokerFaults(throttleNext: 1, retryAfter: 3)
        #expect(connector.send(entryOrder(task: 1, account: "apex-1")).disposition == .retry(after: .seconds(3)))
        // Two drops: libcurl itself sends once more, on a new connection, when a reused one closes
        // unanswered (the same key, so the same order); the second drop is what the router sees.
        broker.faults = BrokerFaults(dropAfterRead: 2)
        let dropped = connector.send(entryOrder(task: 1, account: "apex-1"))
        #expect(dropped.disposition == .retry(after: nil) && dropped.message.contains("the broker may have it"))
        broker.faults = BrokerFaults(delayMilliseconds: 1_000)
        let slow = connector.send(entryOrder(task: 2, account: "apex-1"))
        #expect(slow.disposition == .retry(after: nil) && slow.message.contains("no answer within 300ms"))
        broker.faults = BrokerFaults(rejectAccounts: ["bad"])
        let rejected = connector.send(entryOrder(task: 3, account: "bad"))
        #expect(rejected.disposition == .refused && rejected.broker?.status == .rejected)
        #expect(rejected.message.contains("account bad is not allowed to trade"))
        let conflict = connector.send(entryOrder(task: 1, account: "apex-1", contracts: 1))
        #expect(conflict.disposition == .conflict && conflict.code == 409 && conflict.message.contains("db-test:1:apex-1"))
        var unresolvedExit = entryOrder(task: 4, account: "apex-1")
        (unresolvedExit.side, unresolvedExit.contracts) = (.close, nil)
        #expect(connector.send(unresolvedExit).disposition == .refused)
        // Tasks 1 and 2: one order each, whatever was retried; nothing for the unresolved EXIT.
        #expect(broker.ledger.map(\.key) == ["db-test:1:apex-1", "db-test:2:apex-1", "db-test:3:bad"])
        broker.stop()
        let down = connector.send(entryOrder(task: 5, account: "apex-1"))
        #expect(down.disposition == .retry(after: nil) && down.message.contains("nothing reached the broker"))
        for result in [outage, dropped, slow, rejected, conflict, down] { #expect(!result.message.contains(testBrokerToken)) }
    }

    @Test func aWrongTokenIsRefusedWithoutNamingIt() throws {
        let broker = BrokerSimulator(token: "the-brokers-own")
        try broker.start()
        defer { broker.stop() }
        let result = try testConnector([liveAccount("apex-1", simulator: broker)]).send(entryOrder(task: 1, account: "apex-1"))
        #expect(result.disposition == .refused && result.code == 401)
        #expect(!result.message.contains(testBrokerToken) && !result.message.contains("the-brokers-own"))
    }

    @Test func tokensAreReadAtStartFromAVariableOrAnOwnerOnlyFile() throws {
        let broker = BrokerSimulator(token: "from-a-file")
        var account = liveAccount("apex-1", simulator: broker)
        #expect(throws: ConfigurationError.self) { try OrderWebhookConnector(accounts: [account]) { _ in nil } }
        let path = NSTemporaryDirectory() + "switchyard-token-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        try "from-a-file\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o644)
        account.connector = BrokerConnection(url: "http://127.0.0.1:1", tokenFile: path)
        do {
            _ = try OrderWebhookConnector(accounts: [account])
            Issue.record("a token file readable by others was accepted")
        } catch let error as ConfigurationError {
            #expect(error.message.contains("chmod 600 \(path)") && !error.message.contains("from-a-file"))
        }
        chmod(path, 0o600)
        try broker.start()
        defer { broker.stop() }
        account.connector = BrokerConnection(url: broker.url + "/", tokenFile: path)
        let connector = try OrderWebhookConnector(accounts: [account])
        #expect(connector.send(entryOrder(task: 1, account: "apex-1")).disposition == .accepted)
        #expect(!"\(connector)".contains("from-a-file"))
    }

    @Test func orderIDsArePercentEncodedInTheFollowUpsPath() {
        #expect(OrderWebhookConnector.pathSegment("SIM-1") == "SIM-1")
        #expect(OrderWebhookConnector.pathSegment("a/b c?") == "a%2Fb%20c%3F")
    }
}
