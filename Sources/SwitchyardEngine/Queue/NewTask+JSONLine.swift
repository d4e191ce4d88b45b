extension NewTask {
    /// A task from one line of an enqueue file:
    /// `{"trade_id":..., "event_type":"ENTRY"|"EXIT", "payload":{...}, "max_attempts":5}`,
    /// checked like any payload; `maxAttempts` applies when the line has none.
    public init(jsonLine line: String, maxAttempts: Int?) throws {
        guard case .object(let object)? = try? ParsedJSON.parse(line) else {
            throw PayloadError(field: nil, "The line is not a JSON object.")
        }
        guard case .string(let tradeID)? = object["trade_id"] else {
            throw PayloadError(field: "trade_id", "trade_id is missing.")
        }
        guard case .string(let type)? = object["event_type"], type == "ENTRY" || type == "EXIT" else {
            throw PayloadError(field: "event_type", "event_type must be ENTRY or EXIT.")
        }
        guard let payload = object["payload"], case .object = payload else {
            throw PayloadError(field: "payload", "payload is missing or not a JSON object.")
        }
        var limit = maxAttempts
        if case .number(let value)? = object["max_attempts"], value == value.rounded(), abs(value) < 1e9 {
            limit = Int(value)
        }
        try self.init(tradeID: tradeID, eventType: EventType(rawValue: type), payloadJSON: payload.jsonText,
                      maxAttempts: limit)
    }
}

extension ParsedJSON {
    /// The value as compact JSON text; whole numbers without a fraction ("5", not "5.0").
    var jsonText: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
            return "\(value)"
        case .string(let value): return Self.quoted(value)
        case .array(let values): return "[" + values.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let members):
            // Sorted keys: the same object always reads back as the same text.
            return "{" + members.sorted { $0.key < $1.key }.map { Self.quoted($0.key) + ":" + $0.value.jsonText }
                .joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
