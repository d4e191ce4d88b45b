import FoundationEssentials

extension OrderWebhookConnector {
    /// What an exchange with the broker means for the order (docs/router.md, "Live routing"):
    /// 2xx with the broker's order is accepted, or refused when its status is `rejected`; 408,
    /// 429, 5xx and no answer are retried with the same key (not before `Retry-After`); 409 is a
    /// conflict; any other 4xx is refused with the broker's reason. The message is the audit
    /// row's: the broker's order id, status, fills or reason, and the key; never the token.
    static func result(of exchange: HTTPClient.Exchange, key: String) -> OrderResult {
        switch exchange {
        case .failed(let failure, let sent):
            let fate = sent ? "the broker may have it; it is sent again with the same key" : "nothing reached the broker"
            return OrderResult(.retry(after: nil), code: 0, message: "No answer: \(failure); \(fate) (\(key)).")
        case .answered(let status, let body, let retryAfter, let replayed):
            switch status {
            case 200..<300:
                guard let answer = OrderWebhookWire.decode(OrderWebhookWire.Answer.self, from: body), let order = answer.brokerOrder else {
                    return OrderResult(.retry(after: nil), code: status, message: "The broker answered HTTP \(status) with a body "
                        + "that is not an order (\(excerpt(body))); asked again with the same key (\(key)).")
                }
                let text = describe(order) + (replayed ? ", a replay of the order already taken" : "") + " (\(key))."
                return order.status == .rejected
                    ? OrderResult(.refused, code: status, message: "Rejected by the broker: " + text, broker: order)
                    : OrderResult(.accepted, code: status, message: text, broker: order)
            case 409:
                return OrderResult(.conflict, code: status, message: "Conflict: the broker already has key \(key) for a different "
                    + "order (\(reason(body))); nothing was sent again. An operator must look: compare the broker's order "
                    + "with this task before acting.")
            case 408, 429, 500..<600:
                let wait = retryAfter.map { ", not before \(TimeSpan.format($0)) (Retry-After)" } ?? ""
                return OrderResult(.retry(after: retryAfter), code: status,
                                   message: "The broker answered HTTP \(status) (\(reason(body))); sent again with the same key\(wait) (\(key)).")
            case 401, 403:
                return OrderResult(.refused, code: status, message: "Refused by the broker: HTTP \(status), the token was not "
                    + "accepted (\(reason(body))); check the account's token (\(key)).")
            default:
                return OrderResult(.refused, code: status, message: "Refused by the broker: HTTP \(status) (\(reason(body))) (\(key)).")
            }
        }
    }

    /// "broker order SIM-1 filled 2 at 4500.25"
    static func describe(_ order: BrokerOrder) -> String {
        var text = "broker order \(order.orderID) \(order.status.rawValue.replacing("_", with: " "))"
        if order.filledQuantity > 0 { text += " \(order.filledQuantity)" + (order.averagePrice.map { " at \(formatPrice($0))" } ?? "") }
        if let reason = order.reason, !reason.isEmpty { text += ": \(reason)" }
        return text
    }

    /// The error body's reason, or the start of whatever the body was.
    static func reason(_ body: [UInt8]) -> String {
        OrderWebhookWire.decode(OrderWebhookWire.ErrorBody.self, from: body)?.error ?? excerpt(body)
    }

    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
        return text.isEmpty ? "no body" : text
    }

    /// 4500.25, 4500 (no ".0").
    private static func formatPrice(_ price: Double) -> String {
        price == price.rounded() && abs(price) < 1e15 ? "\(Int(price))" : "\(price)"
    }
}
