import FoundationEssentials

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
        /// Splices SQL text the code itself wrote (a column list, a clause chosen by the schema),
        /// verbatim. Never pass a value here: values are interpolated without the label.
        public mutating func appendInterpolation(unescaped fragment: String) { sql += fragment }
        /// Splices another query: its SQL, with its placeholders renumbered to follow this one's,
        /// and its parameters.
        public mutating func appendInterpolation(_ query: Query) {
            sql += query.sql(shiftingPlaceholdersBy: parameters.count)
            parameters += query.parameters
        }
    }
}

extension Query {
    /// The SQL with every placeholder `$n` written as `$(n + offset)`.
    ///
    /// A placeholder is a `$` followed by digits that does not continue an identifier (`a$1`
    /// is a name). Comments, quoted literals and names ('...', "...") and dollar-quoted text
    /// ($$...$$, $tag$...$tag$) are copied unchanged: Postgres reads no placeholders there.
    func sql(shiftingPlaceholdersBy offset: Int) -> String {
        guard offset != 0, !parameters.isEmpty else { return sql }
        let bytes = Array(sql.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 8)
        var index = 0
        func isIdentifierByte(_ byte: UInt8) -> Bool {
            byte >= 0x80 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        func isDigit(_ index: Int) -> Bool {
            index < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
        }
        /// Copies from `index` through the next occurrence of `closing` (or to the end).
        func copy(through closing: ArraySlice<UInt8>, from start: Int) -> Int {
            var end = start
            while end < bytes.count, !bytes[end...].starts(with: closing) { end += 1 }
            end = min(bytes.count, end + closing.count)
            result += bytes[start..<end]
            return end
        }
        while index < bytes.count {
            let byte = bytes[index]
            let continuesIdentifier = index > 0 && isIdentifierByte(bytes[index - 1])
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                result.append(byte)
                index = copy(through: [byte], from: index + 1)
            } else if byte == UInt8(ascii: "-"), next == UInt8(ascii: "-") {
                index = copy(through: [UInt8(ascii: "\n")], from: index)
            } else if byte == UInt8(ascii: "/"), next == UInt8(ascii: "*") {
                result += [byte, next]
                index = copy(through: Array("*/".utf8)[...], from: index + 2)
            } else if byte == UInt8(ascii: "$"), !continuesIdentifier, isDigit(index + 1) {
                var end = index + 1
                while isDigit(end) { end += 1 }
                let number = Int(String(decoding: bytes[(index + 1)..<end], as: UTF8.self))!
                result += Array("$\(number + offset)".utf8)
                index = end
            } else if byte == UInt8(ascii: "$"), !continuesIdentifier,
                      let tagEnd = bytes[(index + 1)...].firstIndex(where: { !isIdentifierByte($0) || $0 == UInt8(ascii: "$") }),
                      bytes[tagEnd] == UInt8(ascii: "$") {
                // A dollar quote: the same tag closes it.
                let tag = bytes[index...tagEnd]
                result += tag
                index = copy(through: tag, from: tagEnd + 1)
            } else {
                result.append(byte)
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

extension Array where Element == Query {
    /// The queries one after another with `separator` (trusted SQL such as " AND ") between,
    /// their placeholders renumbered in order.
    public func joined(separator: String) -> Query {
        var joined: Query = ""
        for (index, query) in enumerated() {
            joined = index == 0 ? query : "\(joined)\(unescaped: separator)\(query)"
        }
        return joined
    }
}
