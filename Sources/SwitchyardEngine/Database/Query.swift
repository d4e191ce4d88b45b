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
    /// Built byte by byte: a router binds arrays of thousands of values per batch, and Foundation's
    /// `replacingOccurrences` made that half of its CPU time.
    public var postgresText: String? {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(count * 12 + 2)
        for (index, element) in enumerated() {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            guard let text = element.postgresText else {
                literal.append(contentsOf: "NULL".utf8)
                continue
            }
            literal.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
                literal.append(byte)
            }
            literal.append(UInt8(ascii: "\""))
        }
        literal.append(UInt8(ascii: "}"))
        return String(decoding: literal, as: UTF8.self)
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
