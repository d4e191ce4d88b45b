import FoundationEssentials
import SwitchyardEngine
import SwitchyardHTTP

/// A broker speaking the order webhook's protocol (docs/router.md, "Live routing") on
/// 127.0.0.1, for tests, benchmarks and the live demo; nothing it takes goes anywhere.
///
/// It checks the bearer token, remembers every idempotency key (the same key with the same
/// body is the same order, answered 200 with `Idempotent-Replayed: true`; with another body,
/// 409; two requests with one key at once make one order), answers `GET /orders/{id}` and
/// `GET /orders?client_order_id=KEY` (404 for a key it never took; asking creates nothing), keeps a
/// ledger (`ledger` in-process, `GET /ledger` as JSON for another process), and misbehaves on
/// demand (`BrokerFaults`, in-process or by `POST /faults`). Each connection is answered on
/// its own thread, never in Swift's cooperative pool, so a caller blocking there is answered.
public final class BrokerSimulator: @unchecked Sendable {
    // Safe because every mutable property is read and written only under `lock`.
    private let lock = Lock()
    private var entries: [BrokerLedgerEntry] = []
    private var byKey: [String: Int] = [:]
    private var byID: [String: Int] = [:]
    private var currentFaults: BrokerFaults
    private var orderRequests = 0
    private var boundPort: UInt16 = 0
    private let listener: HTTPListener

    /// The bearer token every request must carry.
    private let token: String
    /// The price market orders fill at (limit orders fill at their limit); nil: the symbol's last
    /// price traded here (the last limit order's), 100 before the first.
    public let marketPrice: Double?
    /// The last limit price of each symbol, for market orders when `marketPrice` is nil.
    private var lastPrice: [String: Double] = [:]

    public init(token: String, faults: BrokerFaults = BrokerFaults(), marketPrice: Double? = nil,
                address: ListenAddress = ListenAddress(host: .ipv4("127.0.0.1"), port: 0)) {
        (self.token, self.currentFaults, self.marketPrice) = (token, faults, marketPrice)
        listener = HTTPListener(address: address)
    }

    /// Starts listening; returns the port (the system's choice for port 0). Throws when the
    /// address cannot be bound (the port is taken).
    @discardableResult
    public func start() throws -> UInt16 {
        let port: UInt16
        do {
            port = try listener.start(blockingHandler: { [self] request in handle(request) })
        } catch {
            throw BrokerSimulatorError(description: "Cannot listen for the broker simulator: \(error.call) failed: \(error.message).")
        }
        lock.withLock { boundPort = port }
        return port
    }

    /// Stops listening and ends idle connections.
    public func stop() { listener.stop() }

    public var port: UInt16 { lock.withLock { boundPort } }
    /// `http://127.0.0.1:PORT`: an account's `connector.url`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Every order taken, in the order they came.
    public var ledger: [BrokerLedgerEntry] { lock.withLock { entries } }
    /// `POST /orders` requests seen, retries and refusals included.
    public var requestsReceived: Int { lock.withLock { orderRequests } }

    public var faults: BrokerFaults {
        get { lock.withLock { currentFaults } }
        set { lock.withLock { currentFaults = newValue } }
    }

    // MARK: Answers

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard request.header("authorization") == "Bearer \(token)" else {
            return Self.error(401, "missing or wrong bearer token")
        }
        switch (request.method, request.path) {
        case ("POST", "/orders"): return take(request)
        case ("GET", "/ledger"): return HTTPResponse(status: 200, contentType: "application/json", body: OrderWebhookWire.encode(ledger))
        case ("POST", "/faults"):
            guard let faults = OrderWebhookWire.decode(BrokerFaults.self, from: request.body) else {
                return Self.error(400, "the body is not a faults object (docs/router.md)")
            }
            self.faults = faults
            return HTTPResponse(status: 200, contentType: "application/json", body: OrderWebhookWire.encode(faults))
        case ("GET", "/orders"):
            guard let key = request.queryValue("client_order_id"), !key.isEmpty else {
                return Self.error(400, "GET /orders needs ?client_order_id=KEY (docs/router.md)")
            }
            guard let orderID = lock.withLock({ byKey[key].map { entries[$0].orderID } }) else {
                return Self.error(404, "no order under client_order_id \(key)")
            }
            return follow(orderID)
        case ("GET", _) where request.path.hasPrefix("/orders/"):
            return follow(String(request.path.dropFirst("/orders/".count)))
        default:
            return Self.error(404, "no such resource: \(request.method) \(request.path)")
        }
    }

    private enum Taking {
        case answer(HTTPResponse)
        case taken(BrokerLedgerEntry, replayed: Bool, drop: Bool, delay: Int)
    }

    /// `POST /orders`: faults first, then the key decides: a new order, the same one, or 409.
    private func take(_ request: HTTPRequest) -> HTTPResponse {
        let body = OrderWebhookWire.decode(OrderWebhookWire.OrderBody.self, from: request.body)
        let taking: Taking = lock.withLock {
            orderRequests += 1
            if currentFaults.failNext > 0 {
                currentFaults.failNext -= 1
                return .answer(Self.error(currentFaults.failStatus, "simulated outage"))
            }
            if currentFaults.throttleNext > 0 {
                currentFaults.throttleNext -= 1
                var answer = Self.error(429, "too many requests")
                answer.headers.append(("Retry-After", "\(currentFaults.retryAfter)"))
                return .answer(answer)
            }
            guard let body else { return .answer(Self.error(400, "the body is not an order (docs/router.md)")) }
            if let problem = body.problem() { return .answer(Self.error(400, problem)) }
            guard let key = request.header("idempotency-key"), key == body.clientOrderID else {
                return .answer(Self.error(400, "Idempotency-Key is missing or differs from client_order_id"))
            }
            let drop = currentFaults.dropAfterRead > 0
            if drop { currentFaults.dropAfterRead -= 1 }
            let delay = currentFaults.delayMilliseconds
            if let index = byKey[key] {
                guard entries[index].order == body else {
                    return .answer(Self.error(409, "idempotency key \(key) was used with a different order"))
                }
                entries[index].requests += 1
                return .taken(entries[index], replayed: true, drop: drop, delay: delay)
            }
            let entry = newEntry(body)
            byKey[key] = entries.count
            byID[entry.orderID] = entries.count
            entries.append(entry)
            return .taken(entry, replayed: false, drop: drop, delay: delay)
        }
        switch taking {
        case .answer(let response):
            return response
        case .taken(let entry, let replayed, let drop, let delay):
            if delay > 0 { sleepThread(for: .milliseconds(delay)) }
            if drop { return .dropped }
            var response = HTTPResponse(status: replayed ? 200 : 201, contentType: "application/json",
                                        body: OrderWebhookWire.encode(OrderWebhookWire.Answer(entry.brokerOrder)))
            if replayed { response.headers.append(("Idempotent-Replayed", "true")) }
            return response
        }
    }

    /// A new order as the broker books it: rejected for a refused account, else filled (half of
    /// it under `partialFill`). Called under `lock`.
    private func newEntry(_ body: OrderWebhookWire.OrderBody) -> BrokerLedgerEntry {
        let id = "SIM-\(entries.count + 1)"
        let price = fillPrice(body)
        if currentFaults.rejectAccounts.contains(body.account) {
            return BrokerLedgerEntry(orderID: id, order: body, status: .rejected, filledQuantity: 0,
                                     reason: "account \(body.account) is not allowed to trade")
        }
        if currentFaults.partialFill {
            let part = body.quantity / 2
            return BrokerLedgerEntry(orderID: id, order: body, status: part > 0 ? .partiallyFilled : .accepted,
                                     filledQuantity: part, averagePrice: part > 0 ? price : nil)
        }
        return BrokerLedgerEntry(orderID: id, order: body, status: .filled, filledQuantity: body.quantity, averagePrice: price)
    }

    /// The price `body` fills at: its limit (then the symbol's last price), or the market's.
    /// Called under `lock`.
    private func fillPrice(_ body: OrderWebhookWire.OrderBody) -> Double {
        if let limit = body.limitPrice {
            lastPrice[body.symbol] = limit
            return limit
        }
        return marketPrice ?? lastPrice[body.symbol] ?? 100
    }

    /// `GET /orders/{id}` (and `GET /orders?client_order_id=KEY`, found by its key): the order,
    /// its remaining quantity filled if it was waiting.
    private func follow(_ orderID: String) -> HTTPResponse {
        let found: (BrokerLedgerEntry, Int)? = lock.withLock {
            guard let index = byID[orderID] else { return nil }
            if !entries[index].status.isFinal {
                entries[index].filledQuantity = entries[index].order.quantity
                entries[index].averagePrice = fillPrice(entries[index].order)
                entries[index].status = .filled
            }
            return (entries[index], currentFaults.delayMilliseconds)
        }
        guard let (entry, delay) = found else { return Self.error(404, "no order \(orderID)") }
        if delay > 0 { sleepThread(for: .milliseconds(delay)) }
        return HTTPResponse(status: 200, contentType: "application/json",
                            body: OrderWebhookWire.encode(OrderWebhookWire.Answer(entry.brokerOrder)))
    }

    private static func error(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: OrderWebhookWire.encode(OrderWebhookWire.ErrorBody(error: text)))
    }
}

/// One order in the simulator's ledger.
public struct BrokerLedgerEntry: Codable, Sendable, Equatable {
    public var orderID: String
    /// The body as first sent (its `clientOrderID` is the idempotency key).
    public var order: OrderWebhookWire.OrderBody
    public var status: BrokerOrder.Status
    public var filledQuantity: Int
    public var averagePrice: Double?
    public var reason: String?
    /// Times the key was sent: 1, plus every retry answered with this order.
    public var requests = 1

    public var key: String { order.clientOrderID }

    public var brokerOrder: BrokerOrder {
        BrokerOrder(orderID: orderID, status: status, filledQuantity: filledQuantity, averagePrice: averagePrice, reason: reason)
    }

    public init(orderID: String, order: OrderWebhookWire.OrderBody, status: BrokerOrder.Status, filledQuantity: Int,
                averagePrice: Double? = nil, reason: String? = nil) {
        (self.orderID, self.order, self.status, self.filledQuantity, self.averagePrice, self.reason) =
            (orderID, order, status, filledQuantity, averagePrice, reason)
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id", order, status, filledQuantity = "filled_quantity", averagePrice = "average_price", reason, requests
    }
}

/// The simulator could not start.
public struct BrokerSimulatorError: Error, CustomStringConvertible {
    public var description: String
}
