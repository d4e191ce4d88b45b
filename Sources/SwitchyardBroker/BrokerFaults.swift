/// What the simulator does wrong, set in-process (`BrokerSimulator.faults`), by `POST /faults`
/// with this as JSON, or by the command's flags. Counters count down per order request
/// (`POST /orders`) and apply in this order: 5xx, 429, then the order is taken (or replayed)
/// and the connection dropped, or answered after `delayMilliseconds`.
public struct BrokerFaults: Codable, Sendable, Equatable {
    /// The next N order requests are answered `failStatus` without taking the order.
    public var failNext = 0
    public var failStatus = 503
    /// The next N order requests are answered 429 with `Retry-After: retryAfter`, not taken.
    public var throttleNext = 0
    /// Seconds, in 429 answers.
    public var retryAfter = 1
    /// The next N order requests are taken (the order is in the ledger), then the connection is
    /// closed without an answer: the answer is lost.
    public var dropAfterRead = 0
    /// Every answer about an order waits this long (the order is already taken).
    public var delayMilliseconds = 0
    /// New orders for these accounts are rejected (2xx, status rejected, with a reason).
    public var rejectAccounts: [String] = []
    /// New orders fill half at once (partially_filled), the rest on the next GET of the order.
    public var partialFill = false

    public init(failNext: Int = 0, failStatus: Int = 503, throttleNext: Int = 0, retryAfter: Int = 1, dropAfterRead: Int = 0,
                delayMilliseconds: Int = 0, rejectAccounts: [String] = [], partialFill: Bool = false) {
        (self.failNext, self.failStatus, self.throttleNext, self.retryAfter) = (failNext, failStatus, throttleNext, retryAfter)
        (self.dropAfterRead, self.delayMilliseconds, self.rejectAccounts, self.partialFill) =
            (dropAfterRead, delayMilliseconds, rejectAccounts, partialFill)
    }

    enum CodingKeys: String, CodingKey {
        case failNext = "fail_next", failStatus = "fail_status", throttleNext = "throttle_next", retryAfter = "retry_after"
        case dropAfterRead = "drop_after_read", delayMilliseconds = "delay_ms", rejectAccounts = "reject_accounts"
        case partialFill = "partial_fill"
    }

    /// Every key is optional in `POST /faults`: what is absent keeps its default.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        failNext = try values.decodeIfPresent(Int.self, forKey: .failNext) ?? failNext
        failStatus = try values.decodeIfPresent(Int.self, forKey: .failStatus) ?? failStatus
        throttleNext = try values.decodeIfPresent(Int.self, forKey: .throttleNext) ?? throttleNext
        retryAfter = try values.decodeIfPresent(Int.self, forKey: .retryAfter) ?? retryAfter
        dropAfterRead = try values.decodeIfPresent(Int.self, forKey: .dropAfterRead) ?? dropAfterRead
        delayMilliseconds = try values.decodeIfPresent(Int.self, forKey: .delayMilliseconds) ?? delayMilliseconds
        rejectAccounts = try values.decodeIfPresent([String].self, forKey: .rejectAccounts) ?? rejectAccounts
        partialFill = try values.decodeIfPresent(Bool.self, forKey: .partialFill) ?? partialFill
    }
}
