extension CellBuffer {
    /// Draws a border around `area` with a title in the top edge; returns the inner area.
    @discardableResult
    public mutating func box(_ area: Rect, title: String, glyphs: Glyphs, focused: Bool = false) -> Rect {
        guard area.width >= 2, area.height >= 2 else { return Rect(column: area.column, row: area.row, width: 0, height: 0) }
        let role: StyleRole = focused ? .focusedBorder : .border
        let h = String(glyphs.horizontal)
        write(String(glyphs.topLeft) + String(repeating: h, count: area.width - 2) + String(glyphs.topRight),
              column: area.column, row: area.row, role: role)
        write(String(glyphs.bottomLeft) + String(repeating: h, count: area.width - 2) + String(glyphs.bottomRight),
              column: area.column, row: area.maxRow - 1, role: role)
        for row in (area.row + 1)..<(area.maxRow - 1) {
            write(String(glyphs.vertical), column: area.column, row: row, role: role)
            write(String(glyphs.vertical), column: area.maxColumn - 1, row: row, role: role)
        }
        if !title.isEmpty, area.width > 6 {
            let text = " " + title.clipped(to: area.width - 6, ellipsis: glyphs.ellipsis) + " "
            write(text, column: area.column + 2, row: area.row, role: focused ? .focusedBorder : .title)
        }
        return area.inner
    }

    /// Writes text into one line of `area`, clipped with an ellipsis, padded to the full width.
    public mutating func line(_ text: String, in area: Rect, row index: Int, role: StyleRole = .normal,
                              glyphs: Glyphs) {
        let target = area.line(index)
        guard !target.isEmpty else { return }
        write(text.padded(to: target.width, ellipsis: glyphs.ellipsis), column: target.column, row: target.row,
              role: role, clip: target)
    }
}
