/// A live connector a `LiveOrderDesk` sends through: it sends a resolved order (BUY or SELL and a
/// quantity, never `.close` without contracts), follows an order the broker took to its fill,
/// rejection or cancellation (`GET {url}/orders/{id}`), and asks by key about an order whose
/// answer was never known (`GET {url}/orders?client_order_id=KEY`, docs/router.md "Live routing").
/// Like every connector, safe to call from several threads at once; it may block, never throws.
public protocol BrokerConnector: OrderConnector {
    /// Where the broker's order `brokerOrderID` of `account` stands now: `.accepted` with the
    /// broker's order (its status and fills), or a retry or refusal with the reason.
    func follow(_ brokerOrderID: String, account: String) -> OrderResult

    /// The order the broker took under the idempotency key `key` of `account`, as `follow`
    /// answers it; `.refused` with code 404 (no broker order) when the broker never took one
    /// under that key; a retry when the question went unanswered. Never sends an order.
    func lookUp(key: String, account: String) -> OrderResult
}
