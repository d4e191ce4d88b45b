import FoundationEssentials

/// Why a payload cannot be routed; `field` names the JSON key that is wrong (nil: the whole payload).
public struct PayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String?
    public var message: String
    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { message }
}

/// An ENTRY payload as the seed system writes it:
/// `{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM","bias":"Bullish"}`.
public struct EntryPayload: Sendable, Equatable {
    public enum Direction: String, Sendable, CaseIterable { case long = "LONG", short = "SHORT" }
    public var direction: Direction
    public var entryPrice: Double
    public var stopLoss: Double
    public var session: String?
    public var bias: String?

    /// Checks the values; the error names the bad field.
    public init(direction: Direction, entryPrice: Double, stopLoss: Double, session: String? = nil, bias: String? = nil) throws {
        try TaskPayload.checkPrice(entryPrice, field: "entry_price")
        try TaskPayload.checkPrice(stopLoss, field: "stop_loss")
        guard entryPrice != stopLoss else {
            throw PayloadError(field: "stop_loss", "stop_loss equals entry_price (\(entryPrice)): the risk per contract would be zero.")
        }
        (self.direction, self.entryPrice, self.stopLoss, self.session, self.bias) = (direction, entryPrice, stopLoss, session, bias)
    }

    /// Distance between entry and stop, in price points.
    public var riskPoints: Double { abs(entryPrice - stopLoss) }

    var json: String {
        var fields = ["\"kind\":\"ENTRY\"", "\"direction\":\"\(direction.rawValue)\"",
                      "\"entry_price\":\(entryPrice)", "\"stop_loss\":\(stopLoss)"]
        if let session { fields.append("\"session\":\(TaskPayload.quoted(session))") }
        if let bias { fields.append("\"bias\":\(TaskPayload.quoted(bias))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// An EXIT payload as the seed system writes it:
/// `{"kind":"EXIT","exit_type":"SL","exit_price":4150.00,"final_be_mfe":1.5,"final_no_be_mfe":2.3}`.
public struct ExitPayload: Sendable, Equatable {
    public var exitType: String
    public var exitPrice: Double
    public var finalBEMFE: Double?
    public var finalNoBEMFE: Double?

    public init(exitType: String, exitPrice: Double, finalBEMFE: Double? = nil, finalNoBEMFE: Double? = nil) throws {
        guard !exitType.trimmed.isEmpty else {
            throw PayloadError(field: "exit_type", "exit_type is empty; expected e.g. \"SL\", \"TP\" or \"BE\".")
        }
        try TaskPayload.checkPrice(exitPrice, field: "exit_price")
        (self.exitType, self.exitPrice, self.finalBEMFE, self.finalNoBEMFE) = (exitType, exitPrice, finalBEMFE, finalNoBEMFE)
    }

    var json: String {
        var fields = ["\"kind\":\"EXIT\"", "\"exit_type\":\(TaskPayload.quoted(exitType))", "\"exit_price\":\(exitPrice)"]
        if let finalBEMFE { fields.append("\"final_be_mfe\":\(finalBEMFE)") }
        if let finalNoBEMFE { fields.append("\"final_no_be_mfe\":\(finalNoBEMFE)") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// A task's payload, checked: what the router routes.
public enum TaskPayload: Sendable, Equatable {
    case entry(EntryPayload)
    case exit(ExitPayload)

    /// Payloads above this size are refused (a runaway producer must not stall a router).
    public static let maximumBytes = 64 * 1024

    /// Parses and checks `text` for a task of `eventType`; the error names the bad field.
    public static func parse(_ text: String?, eventType: EventType) throws -> TaskPayload {
        guard let text else { throw PayloadError(field: nil, "The task has no payload (NULL); expected a JSON object with \"kind\".") }
        guard text.utf8.count <= maximumBytes else {
            throw PayloadError(field: nil, "The payload is \(text.utf8.count) bytes; the limit is \(maximumBytes).")
        }
        let value: ParsedJSON
        do { value = try ParsedJSON.parse(text) } catch {
            throw PayloadError(field: nil, "The payload is not valid JSON.")
        }
        guard case .object(let object) = value else {
            throw PayloadError(field: nil, "The payload is \(value.kindDescription); expected a JSON object with \"kind\".")
        }
        let kind = try string(object, "kind")
        guard kind == eventType.rawValue else {
            if kind != "ENTRY" && kind != "EXIT" {
                throw PayloadError(field: "kind", "kind \(quoted(kind)) is unknown; expected \"ENTRY\" or \"EXIT\".")
            }
            throw PayloadError(field: "kind", "kind \(quoted(kind)) does not match the task's event_type \(eventType.rawValue).")
        }
        switch eventType {
        case .entry:
            let directionText = try string(object, "direction")
            guard let direction = EntryPayload.Direction(rawValue: directionText.uppercased()) else {
                throw PayloadError(field: "direction", "direction \(quoted(directionText)) is unknown; expected \"LONG\" or \"SHORT\".")
            }
            return .entry(try EntryPayload(direction: direction, entryPrice: try number(object, "entry_price"),
                                           stopLoss: try number(object, "stop_loss"),
                                           session: try optionalString(object, "session"),
                                           bias: try optionalString(object, "bias")))
        case .exit:
            return .exit(try ExitPayload(exitType: try string(object, "exit_type"), exitPrice: try number(object, "exit_price"),
                                         finalBEMFE: try optionalNumber(object, "final_be_mfe"),
                                         finalNoBEMFE: try optionalNumber(object, "final_no_be_mfe")))
        case .other(let name):
            throw PayloadError(field: nil, "event_type \(quoted(name)) is unknown; expected ENTRY or EXIT.")
        }
    }

    /// The JSON text stored in `execution_tasks.payload`.
    public var json: String {
        switch self {
        case .entry(let entry): entry.json
        case .exit(let exit): exit.json
        }
    }

    public var eventType: EventType {
        switch self {
        case .entry: .entry
        case .exit: .exit
        }
    }

    static func checkPrice(_ value: Double, field: String) throws {
        guard value.isFinite, value > 0 else {
            throw PayloadError(field: field, "\(field) is \(value); expected a positive price.")
        }
    }

    private static func string(_ object: [String: ParsedJSON], _ field: String) throws -> String {
        guard let value = object[field], value != .null else { throw PayloadError(field: field, "\(field) is missing.") }
        guard case .string(let text) = value else {
            throw PayloadError(field: field, "\(field) is \(value.kindDescription); expected a string.")
        }
        return text
    }

    private static func optionalString(_ object: [String: ParsedJSON], _ field: String) throws -> String? {
        guard let value = object[field], value != .null else { return nil }
        guard case .string(let text) = value else {
            throw PayloadError(field: field, "\(field) is \(value.kindDescription); expected a string.")
        }
        return text
    }

    private static func number(_ object: [String: ParsedJSON], _ field: String) throws -> Double {
        guard let value = object[field], value != .null else { throw PayloadError(field: field, "\(field) is missing.") }
        switch value {
        case .number(let number): return number
        case .string(let text):
            // The seed system sometimes writes prices as strings ("4156.25").
            guard let number = Double(text) else {
                throw PayloadError(field: field, "\(field) is \(quoted(String(text.prefix(40)))); expected a number.")
            }
            return number
        default:
            throw PayloadError(field: field, "\(field) is \(value.kindDescription); expected a number.")
        }
    }

    private static func optionalNumber(_ object: [String: ParsedJSON], _ field: String) throws -> Double? {
        guard let value = object[field], value != .null else { return nil }
        return try number(object, field)
    }

    static func quoted(_ text: String) -> String {
        let data = try? JSONEncoder().encode(text)
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"?\""
    }
}
