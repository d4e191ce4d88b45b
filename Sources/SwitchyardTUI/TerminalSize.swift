/// A terminal's size in character cells.
public struct TerminalSize: Hashable, Sendable {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }
    /// The smallest terminal the dashboard draws into: below it, a message asks for a larger
    /// window and no key but q (and Ctrl-C) acts. Up to 80x23 the layout is compact: it keeps
    /// the queue counts, the lag, the alerts and the router state, and drops what does not fit.
    public static let minimum = TerminalSize(columns: 60, rows: 16)
    /// The classic terminal: the size assumed before the first resize arrives.
    public static let standard = TerminalSize(columns: 80, rows: 24)
    public var isLargeEnough: Bool { columns >= Self.minimum.columns && rows >= Self.minimum.rows }
}
