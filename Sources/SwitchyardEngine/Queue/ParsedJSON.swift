import Foundation

/// A parsed JSON value, so payload checks can name the field that is wrong.
enum ParsedJSON: Sendable, Equatable, Decodable {
    case null, bool(Bool), number(Double), string(String), array([ParsedJSON]), object([String: ParsedJSON])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ParsedJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ParsedJSON].self)) }
    }

    static func parse(_ text: String) throws -> ParsedJSON {
        try JSONDecoder().decode(ParsedJSON.self, from: Data(text.utf8))
    }

    /// "an object", "a string", ... for error messages.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
