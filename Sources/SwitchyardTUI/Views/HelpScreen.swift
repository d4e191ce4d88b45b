/// Every key, what it does, and what the current mode allows.
struct HelpScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let inner = buffer.box(body, title: "Help", glyphs: glyphs, focused: true)
        let lines = helpLines(readOnly: model.settings.readOnly)
        let first = min(model.scroll, max(0, lines.count - inner.height))
        let half = inner.width >= 110 && lines.count > inner.height ? (lines.count + 1) / 2 : lines.count
        let columnWidth = half < lines.count ? inner.width / 2 : inner.width
        for (index, line) in lines.enumerated() {
            let column = index < half ? 0 : 1
            let row = (index < half ? index : index - half) - (half < lines.count ? 0 : first)
            guard row >= 0, row < inner.height else { continue }
            let area = Rect(column: inner.column + column * columnWidth, row: inner.row, width: columnWidth,
                            height: inner.height)
            if line.key.isEmpty {
                buffer.line(" " + line.text, in: area, row: row, role: .title, glyphs: glyphs)
            } else {
                buffer.line("   " + line.key.padded(to: 11) + line.text, in: area, row: row, glyphs: glyphs)
                buffer.write(line.key, column: area.column + 3, row: area.row + row, role: .key, clip: area)
            }
        }
    }
}

/// (key, meaning); an empty key is a heading.
func helpLines(readOnly: Bool) -> [(key: String, text: String)] {
    let changes = readOnly ? " (disabled: read-only mode)" : ""
    return [
        ("", "Moving around"),
        ("q", "back; quit from the dashboard"),
        ("Esc", "back; clears marks on the dashboard; cancels a dialog"),
        ("?", "this help"),
        ("1 2 3 4", "dashboard, task list, routers, accounts"),
        ("Tab", "next panel (failed tasks, logs, accounts)"),
        ("j k", "down, up (arrows too); g G first, last"),
        ("PgUp PgDn", "a page up or down"),
        ("Enter", "open the selected task or account"),
        ("/", "filter the task list: status, entry/exit, trade id"),
        ("Space", "mark the task under the cursor"),
        ("+ -", "refresh less or more often (250 ms at least)"),
        ("", "Changes: each asks to confirm, then says what it did" + changes),
        ("r", "retry the marked tasks, else the selected one"),
        ("d", "dead-letter them (asks a reason)"),
        ("h", "hold them, or resume them when all are held"),
        ("P", "pause or resume every router"),
        ("R", "retry every FAILED task the task filter matches"),
        ("y n", "confirm or cancel"),
    ]
}
