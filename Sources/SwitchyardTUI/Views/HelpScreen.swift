/// Every key, what it does, and what the current mode allows.
struct HelpScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let inner = buffer.box(body, title: "Help", glyphs: glyphs, focused: true)
        let lines = KeyTable.helpLines(readOnly: model.settings.readOnly)
        let first = min(model.scroll, max(0, lines.count - inner.height))
        let half = inner.width >= 110 && lines.count > inner.height ? (lines.count + 1) / 2 : lines.count
        let columnWidth = half < lines.count ? inner.width / 2 : inner.width
        // Keys in one column, at least one space wider than the longest ("1 2 3 4 5 6").
        let keyWidth = max(11, (lines.map { DisplayWidth.of($0.key) }.max() ?? 0) + 1)
        for (index, line) in lines.enumerated() {
            let column = index < half ? 0 : 1
            let row = (index < half ? index : index - half) - (half < lines.count ? 0 : first)
            guard row >= 0, row < inner.height else { continue }
            let area = Rect(column: inner.column + column * columnWidth, row: inner.row, width: columnWidth,
                            height: inner.height)
            if line.key.isEmpty {
                buffer.line(" " + line.text, in: area, row: row, role: .title, glyphs: glyphs)
            } else {
                buffer.line("   " + line.key.padded(to: keyWidth) + line.text, in: area, row: row, glyphs: glyphs)
                buffer.write(line.key, column: area.column + 3, row: area.row + row, role: .key, clip: area)
            }
        }
    }
}
