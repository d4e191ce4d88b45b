import Foundation
import SwitchyardEngine

/// The schedules view (key 6): every schedule, next runs first, with the figures the strategy
/// system keeps; p, n and X change the selected one (confirmed and audited); observers only look.
struct SchedulesScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let inner = buffer.box(body, title: "Schedules", glyphs: glyphs, focused: true)
        guard let snapshot = model.snapshot else {
            buffer.line(" loading\(glyphs.ellipsis)", in: inner, row: 0, role: .muted, glyphs: glyphs)
            return
        }
        guard let schedules = snapshot.schedules else {
            let reason = snapshot.unavailable[SnapshotPart.schedules.rawValue] ?? "not in this snapshot"
            buffer.line(" schedules unavailable: \(reason)", in: inner, row: 0, role: .muted, glyphs: glyphs)
            return
        }
        // One leading space, one between columns; the timing takes what the fixed columns leave.
        let wide = inner.width >= 110
        let available = inner.width - 1
        let fixed = wide ? [7, 9, 9, 6, 5, 7, 6] : [7, 9, 9, 5, 4, 7]
        let used = fixed.reduce(0, +) + fixed.count + 1
        let nameWidth = wide ? max(12, min(24, available - used - 42)) : max(10, available - used - 13)
        let widths = [nameWidth] + fixed + [max(8, available - used - nameWidth)]
        func columns(_ parts: [String]) -> String {
            Format.columns(Array(zip(parts, widths)), ellipsis: glyphs.ellipsis)
        }
        var row = 0
        let header = ["name", "state", "next run", "last run", "ok", "err", "avg", wide ? "missed" : "timing"]
            + (wide ? ["timing"] : [])
        buffer.line(" " + columns(header), in: inner, row: row, role: .muted, glyphs: glyphs)
        row += 1
        if schedules.isEmpty {
            buffer.line(" no schedules; add one with `switchyard schedules add`", in: inner, row: row, role: .muted, glyphs: glyphs)
            return
        }
        let visible = max(1, inner.height - 1)
        let first = max(0, model.scheduleSelection - visible + 1)
        for (index, schedule) in schedules.enumerated().dropFirst(first) where row < inner.height {
            let figures = schedule.figures
            let next = schedule.paused ? "-" : Self.relative(schedule.nextRunAt, from: snapshot.takenAt)
            let last = schedule.lastRunAt.map { Format.age(max(0, snapshot.takenAt.timeIntervalSince($0))) + " ago" } ?? "-"
            let average = figures.averageExecutionMilliseconds.map(Self.milliseconds) ?? "-"
            var parts = [schedule.name, schedule.paused ? "PAUSED" : "active", next, last,
                         Format.compactCount(figures.successes).leftPadded(to: wide ? 6 : 5),
                         Format.compactCount(figures.errors).leftPadded(to: wide ? 5 : 4), average.leftPadded(to: 7)]
            parts += wide ? [Format.compactCount(figures.missed).leftPadded(to: 6), schedule.timing.description]
                          : [schedule.timing.description]
            let selected = index == model.scheduleSelection
            let role: StyleRole = selected ? .selected : (schedule.paused ? .warning : (figures.errors > 0 ? .failed : .normal))
            buffer.line(" " + columns(parts), in: inner, row: row, role: role, glyphs: glyphs)
            row += 1
        }
    }

    /// "in 12s", "in 3m", "due" (a run the schedulers have not reached yet).
    static func relative(_ time: Date, from now: Date) -> String {
        let seconds = time.timeIntervalSince(now)
        return seconds <= 0 ? "due" : "in " + Format.age(seconds)
    }

    /// "85ms", "1.2s".
    static func milliseconds(_ value: Double) -> String {
        value < 1000 ? "\(Int(value.rounded()))ms" : String(format: "%.1fs", value / 1000)
    }
}
