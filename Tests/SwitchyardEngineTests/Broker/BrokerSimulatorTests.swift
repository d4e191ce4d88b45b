import Foundation
import SwitchyardBroker
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine

/// The broker simulator over real HTTP on 127.0.0.1: tokens, keys, follow-ups, faults, ledger.
@Suite struct BrokerSimulatorTests {
    func post(_ simulator: BrokerSimulator, _ path: String, _ body: [UInt8], key: String? = nil,
              token: String = testBrokerToken) -> HTTPClient.Exchange {
        var headers = ["Content-Type: application/json", "Authorization: Bearer \(token)"]
        if let key { headers.append("Idempotency-Key: \(key)") }
        return HTTPClient.request(simulator.url + path, headers: headers, body: body, timeout: .seconds(5))
    }

    func get(_ simulator: BrokerSimulator, _ path: String) -> HTTPClient.Exchange {
        HTTPClient.request(simulator.url + path, headers: ["Authorization: Bearer \(testBrokerToken)"], body: nil, timeout: .seconds(5))
    }

    func body(_ order: Order) -> [UInt8] { OrderWebhookWire.encode(OrderWebhookConnector.body(of: order)!) }

    func status(_ exchange: HTTPClient.Exchange) -> Int? {
        if case .answered(let status, _, _, _) = exchange { status } else { nil }
    }

    @Test func aWrongTokenIs401AndTheAnswerNamesNoToken() throws {
        let simulator = try startedSimulator()
        defer { simulator.stop() }
        let order = entryOrder(task: 1, account: "apex-1")
        let answer = post(simulator, "/orders", body(order), key: order.idempotencyKey, token: "not-the-token")
        guard case .answered(401, let bytes, _, _) = answer else { Issue.record("expected 401, got \(answer)"); return }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains(testBrokerToken) && !text.contains("not-the-token"))
        #expect(simulator.ledger.isEmpty)
    }

    @Test func theSameKeyAndBodyIsTheSameOrderAnotherBodyIs409() throws {
        let simulator = try startedSimulator()
        defer { simulator.stop() }
        let order = entryOrder(task: 7, account: "apex-1")
        let first = post(simulator, "/orders", body(order), key: order.idempotencyKey)
        let again = post(simulator, "/orders", body(order), key: order.idempotencyKey)
        #expect(status(first) == 201)
        guard case .answered(200, let bytes, _, true) = again else { Issue.record("expected a 200 replay, got \(again)"); return }
        #expect(OrderWebhookWire.decode(OrderWebhookWire.Answer.self, from: bytes)?.orderID == simulator.ledger.first?.orderID)
        var changed = order
        changed.contracts = 3
        #expect(status(post(simulator, "/orders", body(changed), key: order.idempotencyKey)) == 409)
        #expect(simulator.ledger.count == 1)
        #expect(simulator.ledger.first?.requests == 2)
        #expect(simulator.requestsReceived == 3)
    }

    @Test func twoRequestsWithOneKeyAtOnceMakeOneOrder() throws {
        let simulator = try startedSimulator(BrokerFaults(delayMilliseconds: 100))
        defer { simulator.stop() }
        let order = entryOrder(task: 8, account: "apex-1")
        let answers = Answers()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            answers.add(status(post(simulator, "/orders", body(order), key: order.idempotencyKey)))
        }
        #expect(simulator.ledger.count == 1)
        #expect(answers.values.sorted { ($0 ?? 0) < ($1 ?? 0) } == [200, 200, 200, 200, 200, 200, 200, 201])
    }

    @Test func aPartialFillFillsTheRestWhenFollowed() throws {
        let simulator = try startedSimulator(BrokerFaults(partialFill: true))
        defer { simulator.stop() }
        let order = entryOrder(task: 9, account: "apex-1", contracts: 4)
        guard case .answered(201, let bytes, _, _) = post(simulator, "/orders", body(order), key: order.idempotencyKey),
              let taken = OrderWebhookWire.decode(OrderWebhookWire.Answer.self, from: bytes) else {
            Issue.record("no order taken"); return
        }
        #expect(taken.status == "partially_filled" && taken.filledQuantity == 2)
        guard case .answered(200, let followed, _, _) = get(simulator, "/orders/\(taken.orderID)") else {
            Issue.record("the follow-up did not answer"); return
        }
        let now = OrderWebhookWire.decode(OrderWebhookWire.Answer.self, from: followed)
        #expect(now?.status == "filled" && now?.filledQuantity == 4 && now?.averagePrice == 4500.25)
        #expect(status(get(simulator, "/orders/SIM-404")) == 404)
    }

    @Test func faultsSetByPostAnswer5xx429AndDropAfterTakingTheOrder() throws {
        let simulator = try startedSimulator()
        defer { simulator.stop() }
        let faults = #"{"fail_next": 1, "throttle_next": 1, "retry_after": 7, "drop_after_read": 2, "reject_accounts": ["bad"]}"#
        #expect(status(post(simulator, "/faults", Array(faults.utf8))) == 200)
        let order = entryOrder(task: 10, account: "apex-1")
        #expect(status(post(simulator, "/orders", body(order), key: order.idempotencyKey)) == 503)
        let throttled = post(simulator, "/orders", body(order), key: order.idempotencyKey)
        guard case .answered(429, _, let retryAfter, _) = throttled, retryAfter == Duration.seconds(7) else {
            Issue.record("expected 429 with Retry-After 7, got \(throttled)"); return
        }
        #expect(simulator.ledger.isEmpty)
        // Two drops: libcurl sends once more on a new connection when a reused one closes unanswered.
        let dropped = post(simulator, "/orders", body(order), key: order.idempotencyKey)
        #expect(dropped == .failed(.dropped, sent: true))
        #expect(simulator.ledger.count == 1 && simulator.ledger.first?.requests == 2)
        #expect(status(post(simulator, "/orders", body(order), key: order.idempotencyKey)) == 200)
        let refused = entryOrder(task: 11, account: "bad")
        guard case .answered(201, let bytes, _, _) = post(simulator, "/orders", body(refused), key: refused.idempotencyKey) else {
            Issue.record("no answer for the rejected account"); return
        }
        #expect(OrderWebhookWire.decode(OrderWebhookWire.Answer.self, from: bytes)?.status == "rejected")
    }

    @Test func theLedgerReadsAsJSONAndConnectionsAreKeptAlive() throws {
        let simulator = try startedSimulator()
        defer { simulator.stop() }
        let order = entryOrder(task: 12, account: "apex-1")
        _ = post(simulator, "/orders", body(order), key: order.idempotencyKey)
        guard case .answered(200, let bytes, _, _) = get(simulator, "/ledger"),
              let ledger = OrderWebhookWire.decode([BrokerLedgerEntry].self, from: bytes) else {
            Issue.record("no ledger"); return
        }
        #expect(ledger == simulator.ledger)
        // curl fetching twice on one connection: the second fetch connects no more.
        let run = try ChildProcess.run(["curl", "-s", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects}\n",
                                        "-H", "Authorization: Bearer \(testBrokerToken)",
                                        simulator.url + "/ledger", simulator.url + "/ledger"])
        #expect(run.output.split(separator: "\n") == ["1", "0"])
    }
}

/// Answers collected from several threads.
final class Answers: @unchecked Sendable {
    // Safe because `list` is touched only under `lock`.
    private let lock = NSLock()
    private var list: [Int?] = []
    func add(_ value: Int?) { lock.withLock { list.append(value) } }
    var values: [Int?] { lock.withLock { list } }
}
