/// A terminal's size in character cells.
public struct TerminalSize: Hashable, Sendable {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }
    /// The smallest terminal the dashboard draws into.
    public static let minimum = TerminalSize(columns: 80, rows: 24)
    public var isLargeEnough: Bool { columns >= Self.minimum.columns && rows >= Self.minimum.rows }
}
