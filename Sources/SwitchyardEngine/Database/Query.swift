import Foundation

/// A value that travels to Postgres as a text-format parameter, never spliced into SQL.
public protocol PostgresParameter: Sendable {
    /// The text form Postgres parses; nil is SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresParameter { public var postgresText: String? { self } }
extension Substring: PostgresParameter { public var postgresText: String? { String(self) } }
extension Int: PostgresParameter { public var postgresText: String? { String(self) } }
extension Int32: PostgresParameter { public var postgresText: String? { String(self) } }
extension Int64: PostgresParameter { public var postgresText: String? { String(self) } }
extension Double: PostgresParameter { public var postgresText: String? { String(self) } }
extension Bool: PostgresParameter { public var postgresText: String? { self ? "t" : "f" } }
extension Date: PostgresParameter { public var postgresText: String? { PostgresTime.format(self) } }
extension Optional: PostgresParameter where Wrapped: PostgresParameter {
    public var postgresText: String? { self?.postgresText }
}
extension Array: PostgresParameter where Element: PostgresParameter {
    /// A Postgres array literal; every element is quoted and escaped.
    public var postgresText: String? {
        let items = map { element -> String in
            guard let text = element.postgresText else { return "NULL" }
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return "{" + items.joined(separator: ",") + "}"
    }
}

/// SQL text plus its parameters. Interpolations become `$n`; they never become SQL.
public struct Query: Sendable, ExpressibleByStringInterpolation {
    public private(set) var sql = ""
    public private(set) var parameters: [String?] = []
    /// A name for logs and errors ("claimAvailableTasks"); never includes values.
    public var name: String?

    public init(stringLiteral value: String) { sql = value }

    public init(stringInterpolation: StringInterpolation) {
        (sql, parameters) = (stringInterpolation.sql, stringInterpolation.parameters)
    }

    public init(_ sql: String, parameters: [String?], name: String? = nil) {
        (self.sql, self.parameters, self.name) = (sql, parameters, name)
    }

    /// The same query with a name, for errors and logs.
    public func named(_ name: String) -> Query {
        var copy = self
        copy.name = name
        return copy
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var parameters: [String?] = []
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }
        public mutating func appendLiteral(_ literal: String) { sql += literal }
        public mutating func appendInterpolation(_ value: some PostgresParameter) {
            parameters.append(value.postgresText)
            sql += "$\(parameters.count)"
        }
        /// An optional binds as NULL when nil (its own overload, so the compiler does not take it
        /// for a debug description).
        public mutating func appendInterpolation<Wrapped: PostgresParameter>(_ value: Wrapped?) {
            parameters.append(value.flatMap(\.postgresText))
            sql += "$\(parameters.count)"
        }
    }
}
