/// A rectangle of terminal cells; layout is arithmetic on these.
public struct Rect: Hashable, Sendable {
    public var column: Int
    public var row: Int
    public var width: Int
    public var height: Int

    public init(column: Int, row: Int, width: Int, height: Int) {
        self.column = column
        self.row = row
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public init(size: TerminalSize) {
        self.init(column: 0, row: 0, width: size.columns, height: size.rows)
    }

    public var isEmpty: Bool { width == 0 || height == 0 }
    public var maxColumn: Int { column + width }
    public var maxRow: Int { row + height }

    /// The area without a one-cell border.
    public var inner: Rect { inset(by: 1) }

    public func inset(by amount: Int) -> Rect {
        Rect(column: column + amount, row: row + amount, width: width - 2 * amount, height: height - 2 * amount)
    }

    /// Cuts `top` rows off the top and `bottom` rows off the bottom: (top, middle, bottom).
    public func splitVertically(top: Int, bottom: Int = 0) -> (top: Rect, middle: Rect, bottom: Rect) {
        let topHeight = min(top, height)
        let bottomHeight = min(bottom, height - topHeight)
        return (
            Rect(column: column, row: row, width: width, height: topHeight),
            Rect(column: column, row: row + topHeight, width: width, height: height - topHeight - bottomHeight),
            Rect(column: column, row: maxRow - bottomHeight, width: width, height: bottomHeight)
        )
    }

    /// Cuts `left` columns off the left: (left, rest).
    public func splitHorizontally(left: Int) -> (left: Rect, right: Rect) {
        let leftWidth = min(max(0, left), width)
        return (
            Rect(column: column, row: row, width: leftWidth, height: height),
            Rect(column: column + leftWidth, row: row, width: width - leftWidth, height: height)
        )
    }

    /// One row of this rectangle (0 is the top); empty when outside.
    public func line(_ index: Int) -> Rect {
        guard index >= 0, index < height else { return Rect(column: column, row: row, width: 0, height: 0) }
        return Rect(column: column, row: row + index, width: width, height: 1)
    }

    /// A rectangle of the given size centred in this one.
    public func centered(width: Int, height: Int) -> Rect {
        let width = min(width, self.width)
        let height = min(height, self.height)
        return Rect(column: column + (self.width - width) / 2, row: row + (self.height - height) / 2,
                    width: width, height: height)
    }
}
