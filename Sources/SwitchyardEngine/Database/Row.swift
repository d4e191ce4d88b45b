import FoundationEssentials

/// A type read from Postgres' text format.
public protocol PostgresDecodable: Sendable {
    init?(postgresText text: String)
}

extension String: PostgresDecodable { public init?(postgresText text: String) { self = text } }
extension Int: PostgresDecodable { public init?(postgresText text: String) { self.init(text) } }
extension Int64: PostgresDecodable { public init?(postgresText text: String) { self.init(text) } }
extension Double: PostgresDecodable { public init?(postgresText text: String) { self.init(text) } }
extension Bool: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}
extension Date: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let date = PostgresTime.parse(text) else { return nil }
        self = date
    }
}

/// The column names of one result, shared by its rows.
public final class ColumnNames: Sendable {
    public let names: [String]
    let index: [String: Int]
    init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }
}

/// One result row, copied out of libpq's memory: it outlives the `PGresult`.
public struct Row: Sendable {
    public let columns: ColumnNames
    public let values: [String?]

    public subscript(_ column: String) -> String? {
        guard let position = columns.index[column] else { return nil }
        return values[position]
    }

    /// The value of `column`; an error names the column when it is missing, NULL or malformed.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw DatabaseError(message: "Column \(column) is NULL where a value was expected.")
        }
        return value
    }

    /// The value of `column`, or nil when it is SQL NULL.
    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        guard let position = columns.index[column] else {
            throw DatabaseError(message: "Column \(column) is missing from the result.",
                                detail: "Columns present: \(columns.names.joined(separator: ", ")).")
        }
        guard let text = values[position] else { return nil }
        guard let value = T(postgresText: text) else {
            throw DatabaseError(message: "Column \(column) holds \(text.prefix(40).debugDescription), not a \(T.self).")
        }
        return value
    }
}

/// What a statement returned: its rows and, for INSERT/UPDATE/DELETE, how many rows it touched.
public struct QueryResult: Sendable {
    public var rows: [Row]
    public var affectedRows: Int
    public var first: Row? { rows.first }
}
