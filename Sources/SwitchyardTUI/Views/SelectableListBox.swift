import SwitchyardEngine

/// One list in a box, drawn the same way for every list (failed tasks, logs, accounts, the task
/// list, alert rules, schedules): a title, a header row, one row per item with the cursor's item
/// reversed while the list has focus and marked items starred; or, when there is nothing to
/// list, why. Only the rows in view are formatted.
struct SelectableListBox {
    var title: String
    var focused: Bool
    /// The column headings, laid out as the rows are.
    var header: String
    /// What an empty list says ("no failed tasks").
    var empty: String
    /// Rows kept free under the items (the accounts view's footer).
    var footer = 0

    /// The rows of items a box `box` high shows: less its borders, its header and its footer.
    static func visibleRows(in box: Rect, footer: Int = 0) -> Int { max(1, box.height - 3 - footer) }

    /// Draws the box into `area`; `missing`, why there is no list, wins over the rows. `row`
    /// formats the item at an index; `decorate` draws after it on its line (the accounts' charts).
    /// `marked` is nil for a list without marks: its rows then have no mark column. `marker`
    /// writes a row's first cell instead of a space (an account's state).
    @discardableResult
    func draw<ID: Hashable & Sendable>(_ ids: [ID], cursor: ListCursor<ID>, marked: Set<ID>? = nil, in area: Rect,
                                       missing: String?, into buffer: inout CellBuffer, glyphs: Glyphs,
                                       marker: ((Int) -> String)? = nil,
                                       row: (Int) -> (text: String, role: StyleRole),
                                       decorate: ((Int, Rect, inout CellBuffer) -> Void)? = nil) -> Rect {
        let inner = buffer.box(area, title: title, glyphs: glyphs, focused: focused)
        if let missing {
            buffer.explain(missing, in: inner, glyphs: glyphs)
            return inner
        }
        guard !ids.isEmpty else {
            buffer.line(" " + empty, in: inner, row: 0, role: .muted, glyphs: glyphs)
            return inner
        }
        buffer.line((marked == nil ? " " : "  ") + header, in: inner, row: 0, role: .muted, glyphs: glyphs)
        let cursorRow = cursor.row(in: ids)
        let range = cursor.visibleRange(count: ids.count,
                                        visibleRows: Self.visibleRows(in: area, footer: footer), cursorRow: cursorRow)
        for (line, index) in range.enumerated() {
            let (text, role) = row(index)
            let isMarked = marked?.contains(ids[index]) ?? false
            let shown: StyleRole = focused && index == cursorRow ? .selected : (isMarked ? .marked : role)
            let mark = marked == nil ? marker?(index) ?? " " : (isMarked ? String(glyphs.mark) : " ") + " "
            buffer.line(mark + text, in: inner, row: line + 1, role: shown, glyphs: glyphs)
            decorate?(index, inner.line(line + 1), &buffer)
        }
        return inner
    }
}

extension CellBuffer {
    /// Writes why a part is missing, wrapped and muted, from the top of `inner`: every view that
    /// cannot show a part says so this way.
    mutating func explain(_ reason: String, in inner: Rect, glyphs: Glyphs) {
        for (index, line) in Format.wrap(reason, width: inner.width - 1).prefix(inner.height).enumerated() {
            self.line(" " + line, in: inner, row: index, role: .muted, glyphs: glyphs)
        }
    }
}

extension DashboardModel {
    /// Why `part` cannot be shown, nil when it can: not read yet, unavailable (with the reason),
    /// or not readable by this role. Every view asks here.
    func missingReason(_ part: SnapshotPart, glyphs: Glyphs) -> String? {
        guard let snapshot else { return connection == .connecting ? "loading\(glyphs.ellipsis)" : "no data yet" }
        if let accounts = snapshot.observedAccounts, let what = part.clusterSetting {
            return "This role may only read \(accounts.joined(separator: ", ")): \(what) are the whole cluster's "
                + "settings and are not shown to it. An operator sees them here, or with `switchyard \(part.rawValue) list`."
        }
        guard !snapshot.isPresent(part) else { return nil }
        return "unavailable: " + (snapshot.unavailable[part.rawValue] ?? "not in this snapshot")
    }
}

extension SnapshotPart {
    /// What a per-account observer may not read, named for a sentence; nil for the parts it may.
    var clusterSetting: String? {
        switch self {
        case .alerts: "alert rules"
        case .schedules: "schedules"
        default: nil
        }
    }
}
