import Foundation
@testable import SwitchyardEngine

/// A broker inside the test process, for the order desk's own tests: it speaks the
/// `BrokerConnector` protocol without HTTP (the broker simulator, a real HTTP server on
/// 127.0.0.1, is built beside the desk; these tests are about the ledger and the limits, not the
/// wire). Like a real broker it keeps one order per idempotency key: a key seen again answers
/// the order it already has.
final class TestBroker: BrokerConnector, @unchecked Sendable {
    // Safe because every property below is read and written only under `lock`.
    private let lock = NSLock()
    private var placed: [String: (order: Order, answer: BrokerOrder)] = [:]
    private var received: [Order] = []
    private var dropping: Set<String> = []
    private var fillPrice: (@Sendable (Order) -> Double?)?

    /// `fillPrice`: the price an order fills at on arrival, or nil to leave it accepted.
    init(fillPrice: (@Sendable (Order) -> Double?)? = nil) { self.fillPrice = fillPrice }

    var isDryRun: Bool { false }
    /// Every request, retries included, in arrival order.
    var requests: [Order] { lock.withLock { received } }
    /// The broker's own ledger: one order per key.
    var orders: [String: Order] { lock.withLock { placed.mapValues(\.order) } }

    /// The next send of `key` is read and taken, then the connection drops: the answer is lost.
    func dropAfterRead(_ key: String) { lock.withLock { _ = dropping.insert(key) } }

    /// Fills `quantity` (in all) of the order `key` at `price`.
    func fill(_ key: String, quantity: Int, price: Double) {
        lock.withLock {
            guard var entry = placed[key] else { return }
            entry.answer.filledQuantity = quantity
            entry.answer.averagePrice = price
            entry.answer.status = quantity >= (entry.order.contracts ?? 0) ? .filled : .partiallyFilled
            placed[key] = entry
        }
    }

    func send(_ order: Order) -> OrderResult {
        precondition(order.side != .close && order.contracts != nil, "the desk sends resolved orders only")
        let (answer, dropped): (BrokerOrder, Bool) = lock.withLock {
            received.append(order)
            let key = order.idempotencyKey
            if placed[key] == nil {
                var answer = BrokerOrder(orderID: "B-\(placed.count + 1)", status: .accepted)
                if let price = fillPrice?(order) {
                    (answer.status, answer.filledQuantity, answer.averagePrice) = (.filled, order.contracts ?? 0, price)
                }
                placed[key] = (order, answer)
            }
            return (placed[key]!.answer, dropping.remove(key) != nil)
        }
        if dropped { return OrderResult(.retry(after: nil), code: 599, message: "connection dropped after the request was read") }
        return OrderResult(.accepted, code: 200, message: "\(answer.status.rawValue) \(answer.orderID)", broker: answer)
    }

    func follow(_ brokerOrderID: String, account: String) -> OrderResult {
        guard let answer = lock.withLock({ placed.values.first { $0.answer.orderID == brokerOrderID }?.answer }) else {
            return OrderResult(.refused, code: 404, message: "no order \(brokerOrderID)")
        }
        return OrderResult(.accepted, code: 200, message: answer.status.rawValue, broker: answer)
    }

    func lookUp(key: String, account: String) -> OrderResult {
        guard let answer = lock.withLock({ placed[key]?.answer }) else {
            return OrderResult(.refused, code: 404, message: "The broker has no order under \(key).")
        }
        return OrderResult(.accepted, code: 200, message: answer.status.rawValue, broker: answer)
    }
}
