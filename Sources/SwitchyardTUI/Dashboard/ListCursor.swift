/// A cursor on an item of a list, by identity: rows come and go under it, it stays on its item.
///
/// Until the operator chooses an item (moves the cursor, or acts on the row under it), the
/// cursor follows the list's first row, the newest in every list the dashboard shows, so an
/// untouched panel keeps showing what just happened. Once chosen, the item keeps the cursor
/// wherever its row goes; when it leaves the list, a neighbour takes its place.
public struct ListCursor<ID: Hashable & Sendable>: Equatable, Sendable {
    /// The chosen item; nil while the cursor follows the first row.
    public private(set) var selected: ID?
    /// The first row shown.
    public private(set) var offset = 0
    /// The chosen item's row when the list was last seen, and the items around it (nearest
    /// first, below before above): where the cursor goes if the item leaves.
    private var lastRow = 0
    private var neighbours: [ID] = []

    public init() {}

    /// The item under the cursor: the chosen one, else the first row; nil for an empty list.
    public func current(in ids: [ID]) -> ID? {
        guard let selected else { return ids.first }
        return ids.contains(selected) ? selected : nil
    }

    /// The row of the item under the cursor; nil for an empty list.
    public func row(in ids: [ID]) -> Int? {
        guard let selected else { return ids.isEmpty ? nil : 0 }
        return ids.firstIndex(of: selected)
    }

    /// After new rows arrive: keeps the chosen item wherever its row went, and in view. When it
    /// left, the cursor takes its nearest neighbour still listed (the row below it first) and
    /// the item that left is returned.
    public mutating func reconcile(with ids: [ID], visibleRows: Int) -> ID? {
        guard let chosen = selected else {
            offset = 0
            return nil
        }
        if let row = ids.firstIndex(of: chosen) {
            remember(row, in: ids, visibleRows: visibleRows)
            return nil
        }
        let present = Set(ids)
        if let neighbour = neighbours.first(where: present.contains), let row = ids.firstIndex(of: neighbour) {
            selected = neighbour
            remember(row, in: ids, visibleRows: visibleRows)
        } else if ids.isEmpty {
            self = ListCursor()
        } else {
            let row = min(lastRow, ids.count - 1)
            selected = ids[row]
            remember(row, in: ids, visibleRows: visibleRows)
        }
        return chosen
    }

    /// Moves `delta` rows, stopping at either end, and chooses the item there; scrolls as little
    /// as keeps it in view.
    public mutating func move(by delta: Int, in ids: [ID], visibleRows: Int) {
        guard !ids.isEmpty else { return }
        let from = row(in: ids) ?? min(lastRow, ids.count - 1)
        let row = max(0, min(ids.count - 1, from + delta))
        selected = ids[row]
        remember(row, in: ids, visibleRows: visibleRows)
    }

    /// Chooses `id` (the operator acts on it), so the cursor stays on it whatever moves next.
    public mutating func choose(_ id: ID, in ids: [ID], visibleRows: Int) {
        guard let row = ids.firstIndex(of: id) else { return }
        selected = id
        remember(row, in: ids, visibleRows: visibleRows)
    }

    /// The rows to draw: from `offset`, at most `visibleRows`, always including the cursor's.
    public func visibleRange(count: Int, visibleRows: Int, cursorRow: Int?) -> Range<Int> {
        let rows = max(1, visibleRows)
        var first = min(offset, max(0, count - rows))
        if let cursorRow {
            if cursorRow < first { first = cursorRow }
            if cursorRow >= first + rows { first = cursorRow - rows + 1 }
        }
        return first..<min(count, first + rows)
    }

    private mutating func remember(_ row: Int, in ids: [ID], visibleRows: Int) {
        lastRow = row
        neighbours = [row + 1, row - 1, row + 2, row - 2].filter(ids.indices.contains).map { ids[$0] }
        offset = visibleRange(count: ids.count, visibleRows: visibleRows, cursorRow: row).lowerBound
    }
}
