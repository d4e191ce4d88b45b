import FoundationEssentials
import SwitchyardEngine

/// The schedules view (key 6): every schedule, next runs first, with the figures the strategy
/// system keeps; p, t and X change the selected one (confirmed and audited); observers only look.
struct SchedulesScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let schedules = model.snapshot?.schedules ?? []
        let takenAt = model.snapshot?.takenAt ?? model.now
        // One leading space, one between columns; the timing takes what the fixed columns leave.
        let available = body.width - 3
        let wide = available + 1 >= 110
        // Narrower than 66 (the compact layout) the timing gives way, so the figures are never cut.
        let narrow = available < 66
        let fixed = wide ? [7, 9, 9, 6, 5, 7, 6] : [7, 9, 9, 5, 4, 7]
        let used = fixed.reduce(0, +) + fixed.count + (narrow ? 0 : 1)
        let nameWidth = wide ? max(12, min(24, available - used - 42)) : max(10, available - used - (narrow ? 0 : 13))
        let widths = [nameWidth] + fixed + (narrow ? [] : [max(8, available - used - nameWidth)])
        func columns(_ parts: [String]) -> String {
            Format.columns(Array(zip(parts, widths)), ellipsis: glyphs.ellipsis)
        }
        let header = ["name", "state", "next run", "last run", "ok", "err", "avg", wide ? "missed" : "timing"]
            + (wide ? ["timing"] : [])
        let list = SelectableListBox(title: "Schedules", focused: true, header: columns(header),
                                     empty: "no schedules; add one with `switchyard schedules add`")
        list.draw(schedules.map(\.name), cursor: model.cursors.schedules, in: body,
                  missing: model.missingReason(.schedules, glyphs: glyphs), into: &buffer, glyphs: glyphs) { index in
            let schedule = schedules[index]
            let figures = schedule.figures
            let next = schedule.paused ? "-" : Self.relative(schedule.nextRunAt, from: takenAt)
            let last = schedule.lastRunAt.map { Format.age(max(0, takenAt.timeIntervalSince($0))) + " ago" } ?? "-"
            let average = figures.averageExecutionMilliseconds.map { TimeSpan.format(seconds: $0 / 1000) } ?? "-"
            var parts = [schedule.name, schedule.paused ? "PAUSED" : "active", next, last,
                         Format.compactCount(figures.successes).leftPadded(to: wide ? 6 : 5),
                         Format.compactCount(figures.errors).leftPadded(to: wide ? 5 : 4), average.leftPadded(to: 7)]
            parts += wide ? [Format.compactCount(figures.missed).leftPadded(to: 6), schedule.timing.description]
                          : [schedule.timing.description]
            return (columns(parts), schedule.paused ? .warning : (figures.errors > 0 ? .failed : .normal))
        }
    }

    /// "in 12s", "in 3m", "due" (a run the schedulers have not reached yet).
    static func relative(_ time: Date, from now: Date) -> String {
        let seconds = time.timeIntervalSince(now)
        return seconds <= 0 ? "due" : "in " + Format.age(seconds)
    }
}
