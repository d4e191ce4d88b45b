import FoundationEssentials

/// The order webhook's JSON (docs/router.md, "Live routing"): the body of `POST {url}/orders`,
/// the broker's answer (also that of `GET {url}/orders/{id}`) and its error body. One place for
/// the shape, read by the connector and by the broker simulator.
public enum OrderWebhookWire {
    public struct OrderBody: Codable, Sendable, Equatable {
        /// The idempotency key again.
        public var clientOrderID: String
        public var account: String
        public var symbol: String
        /// BUY or SELL.
        public var side: String
        public var quantity: Int
        /// market or limit.
        public var orderType: String
        /// Limit orders only.
        public var limitPrice: Double?
        public var tradeID: String
        public var taskID: Int
        /// ENTRY or EXIT.
        public var event: String
        /// True for an EXIT: it may only reduce the position.
        public var reduceOnly: Bool

        public init(clientOrderID: String, account: String, symbol: String, side: String, quantity: Int, orderType: String,
                    limitPrice: Double?, tradeID: String, taskID: Int, event: String, reduceOnly: Bool) {
            (self.clientOrderID, self.account, self.symbol, self.side, self.quantity) = (clientOrderID, account, symbol, side, quantity)
            (self.orderType, self.limitPrice, self.tradeID, self.taskID) = (orderType, limitPrice, tradeID, taskID)
            (self.event, self.reduceOnly) = (event, reduceOnly)
        }

        enum CodingKeys: String, CodingKey {
            case clientOrderID = "client_order_id", account, symbol, side, quantity, orderType = "order_type"
            case limitPrice = "limit_price", tradeID = "trade_id", taskID = "task_id", event, reduceOnly = "reduce_only"
        }

        /// Why the body cannot be an order, or nil.
        public func problem() -> String? {
            if clientOrderID.isEmpty || account.isEmpty || symbol.isEmpty || tradeID.isEmpty { return "empty field" }
            if side != "BUY" && side != "SELL" { return "side must be BUY or SELL" }
            if quantity < 1 { return "quantity must be 1 or more" }
            if orderType == "limit" && limitPrice == nil { return "a limit order needs limit_price" }
            if orderType != "limit" && orderType != "market" { return "order_type must be market or limit" }
            if event != "ENTRY" && event != "EXIT" { return "event must be ENTRY or EXIT" }
            return nil
        }
    }

    /// A 2xx answer: the broker's order.
    public struct Answer: Codable, Sendable, Equatable {
        public var orderID: String
        public var status: String
        public var filledQuantity: Int?
        public var averagePrice: Double?
        public var reason: String?

        public init(orderID: String, status: String, filledQuantity: Int?, averagePrice: Double?, reason: String?) {
            (self.orderID, self.status, self.filledQuantity, self.averagePrice, self.reason) =
                (orderID, status, filledQuantity, averagePrice, reason)
        }

        public init(_ order: BrokerOrder) {
            self.init(orderID: order.orderID, status: order.status.rawValue, filledQuantity: order.filledQuantity,
                      averagePrice: order.averagePrice, reason: order.reason)
        }

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id", status, filledQuantity = "filled_quantity", averagePrice = "average_price", reason
        }

        /// The broker's order; nil when the status is not one of the protocol's.
        public var brokerOrder: BrokerOrder? {
            BrokerOrder.Status(rawValue: status).map {
                BrokerOrder(orderID: orderID, status: $0, filledQuantity: filledQuantity ?? 0, averagePrice: averagePrice,
                            reason: reason)
            }
        }
    }

    /// A 4xx or 5xx answer's body.
    public struct ErrorBody: Codable, Sendable, Equatable {
        public var error: String
        public init(error: String) { self.error = error }
    }

    /// JSON with sorted keys: the same body for the same order, byte for byte.
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(value))) ?? []
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}
extension BrokerOrder.Status: Codable {}
