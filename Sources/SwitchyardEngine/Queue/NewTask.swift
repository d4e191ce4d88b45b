import FoundationEssentials

/// When an enqueued task may first run, on the database's clock.
public enum TaskStart: Sendable, Equatable {
    /// At this instant; a time not in the future by the database's clock is refused.
    case at(Date)
    /// This long after the database's `now()`.
    case after(Duration)
}

/// A task to enqueue: trade, kind and payload JSON.
public struct NewTask: Sendable, Equatable {
    public var tradeID: String
    public var eventType: EventType
    /// JSON text stored as JSONB; nil stores SQL NULL (as the seed system sometimes did).
    public var payload: String?
    /// Attempts before the task is FAILED; nil takes the column default (5).
    public var maxAttempts: Int?
    /// When the task may first run; nil is now. Until then it is SCHEDULED (PENDING with
    /// `available_at` in the future), and no router claims it.
    public var start: TaskStart?

    /// A task whose payload is stored as given, unchecked (demo traffic, tests of bad payloads).
    /// It must still be valid JSON: the column is JSONB.
    public init(unchecked tradeID: String, eventType: EventType, payload: String?, maxAttempts: Int? = nil) {
        (self.tradeID, self.eventType, self.payload, self.maxAttempts) = (tradeID, eventType, payload, maxAttempts)
    }

    /// A task whose payload JSON is checked first; the error names the bad field.
    public init(tradeID: String, eventType: EventType, payloadJSON: String, maxAttempts: Int? = nil) throws {
        try Self.checkTradeID(tradeID)
        _ = try TaskPayload.parse(payloadJSON, eventType: eventType)
        self.init(unchecked: tradeID, eventType: eventType, payload: payloadJSON, maxAttempts: maxAttempts)
    }

    /// The seed's ENTRY helper.
    public static func entry(tradeID: String, _ payload: EntryPayload, maxAttempts: Int? = nil) throws -> NewTask {
        try checkTradeID(tradeID)
        return NewTask(unchecked: tradeID, eventType: .entry, payload: TaskPayload.entry(payload).json, maxAttempts: maxAttempts)
    }

    /// The seed's EXIT helper.
    public static func exit(tradeID: String, _ payload: ExitPayload, maxAttempts: Int? = nil) throws -> NewTask {
        try checkTradeID(tradeID)
        return NewTask(unchecked: tradeID, eventType: .exit, payload: TaskPayload.exit(payload).json, maxAttempts: maxAttempts)
    }

    static func checkTradeID(_ tradeID: String) throws {
        guard !tradeID.isEmpty, tradeID.count <= 100 else {
            throw PayloadError(field: "trade_id", "trade_id must be 1 to 100 characters; it is \(tradeID.count).")
        }
    }
}
