/// A live connector a `LiveOrderDesk` sends through: it sends a resolved order (BUY or SELL and a
/// quantity, never `.close` without contracts) and follows an order the broker took to its fill,
/// rejection or cancellation (`GET {url}/orders/{id}`, docs/router.md "Live routing").
/// Like every connector, safe to call from several threads at once; it may block, never throws.
public protocol BrokerConnector: OrderConnector {
    /// Where the broker's order `brokerOrderID` of `account` stands now: `.accepted` with the
    /// broker's order (its status and fills), or a retry or refusal with the reason.
    func follow(_ brokerOrderID: String, account: String) -> OrderResult
}
