/// One line of an archive file: a task or an audit row, as JSON. The row is the server's own
/// `row_to_json` (every column, by name), so a restore loads it back column for column.
enum ArchiveLine {
    static let taskPrefix = #"{"table":"execution_tasks","row":"#
    static let logPrefix = #"{"table":"execution_logs","row":"#

    static func task(_ row: String) -> String { taskPrefix + row + "}" }
    static func log(_ row: String) -> String { logPrefix + row + "}" }

    enum Kind { case task, log }

    /// The kind of `line` and its row's JSON; nil for a line this format never writes.
    static func parse(_ line: String) -> (kind: Kind, row: Substring)? {
        guard line.hasSuffix("}") else { return nil }
        for (prefix, kind) in [(taskPrefix, Kind.task), (logPrefix, .log)] where line.hasPrefix(prefix) {
            return (kind, line.dropFirst(prefix.count).dropLast())
        }
        return nil
    }
}
