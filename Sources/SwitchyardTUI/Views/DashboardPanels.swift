import FoundationEssentials
import SwitchyardEngine

/// The dashboard view: queue and rates on top, failed tasks and accounts, then recent logs,
/// where `DashboardPanelsLayout` puts them.
struct DashboardPanels {
    let model: DashboardModel
    let glyphs: Glyphs
    let layout: DashboardPanelsLayout

    var snapshot: DashboardSnapshot? { model.snapshot }
    var zone: ClockZone { model.settings.timeZone }
    var large: Bool { layout.large }

    func draw(into buffer: inout CellBuffer) {
        drawQueue(layout.queue, into: &buffer)
        drawRates(layout.rates, into: &buffer)
        drawFailed(layout.failed, into: &buffer)
        if let accounts = layout.accounts { drawAccounts(accounts, into: &buffer) }
        if let logs = layout.logs { drawLogs(logs, into: &buffer) }
    }

    /// " (stale: reason)" for a part the snapshot kept from an earlier read.
    private func staleNote(_ part: SnapshotPart) -> String {
        guard let snapshot, snapshot.isStale(part), let reason = snapshot.unavailable[part.rawValue] else { return "" }
        return " (stale: \(reason))"
    }

    /// Draws why a part is missing in place of its content; false when there is content to draw.
    private func drawMissing(_ part: SnapshotPart, inner: Rect, into buffer: inout CellBuffer) -> Bool {
        guard let reason = model.missingReason(part, glyphs: glyphs) else { return false }
        buffer.explain(reason, in: inner, glyphs: glyphs)
        return true
    }

    // MARK: Queue

    private func drawQueue(_ area: Rect, into buffer: inout CellBuffer) {
        let inner = buffer.box(area, title: "Queue" + staleNote(.queue),
                               glyphs: glyphs)
        if drawMissing(.queue, inner: inner, into: &buffer) { return }
        guard let queue = snapshot?.queue else { return }
        // " PENDING   137 RUNNING     3": two label+count cells; SUCCESS gets a line of its own.
        let countWidth = max(5, (inner.width - 20) / 2)
        func cell(_ status: TaskStatus, width: Int) -> (String, StyleRole) {
            let count = queue.count(status)
            let number = width > 6 ? Format.count(count) : Format.compactCount(count)
            let text = status.rawValue.padded(to: 8) + " " + number.leftPadded(to: width)
            let role: StyleRole = switch status {
            case .failed where count > 0: .failed
            case .dead where count > 0, .held where count > 0: .warning
            default: .normal
            }
            return (text, role)
        }
        // SCHEDULED tasks (PENDING until a future time) are counted apart from those PENDING now,
        // beside SUCCESS, when there are any.
        let scheduled = queue.scheduled
        func scheduledCell(width: Int) -> (String, StyleRole) {
            let number = width > 6 ? Format.count(scheduled) : Format.compactCount(scheduled)
            return ("SCHEDULED" + number.leftPadded(to: width), .normal)
        }
        let pairs: [(TaskStatus, TaskStatus?)] = [(.pending, .running), (.retrying, .held), (.failed, .dead),
                                                  (.success, nil)]
        var row = 0
        for (left, right) in pairs where row < inner.height {
            let line = inner.line(row)
            let alone = right == nil && scheduled == 0
            var (leftText, leftRole) = cell(left, width: alone ? inner.width - 10 : countWidth)
            if left == .pending, scheduled > 0 {
                let now = max(0, queue.count(.pending) - scheduled)
                leftText = "PENDING".padded(to: 8) + " " + (countWidth > 6 ? Format.count(now) : Format.compactCount(now))
                    .leftPadded(to: countWidth)
            }
            buffer.write(" " + leftText, column: line.column, row: line.row, role: leftRole, clip: line)
            if let right {
                let (rightText, rightRole) = cell(right, width: countWidth)
                buffer.write(rightText, column: line.column + countWidth + 11, row: line.row, role: rightRole,
                             clip: line)
            } else if !alone {
                let (rightText, rightRole) = scheduledCell(width: countWidth)
                buffer.write(rightText, column: line.column + countWidth + 11, row: line.row, role: rightRole,
                             clip: line)
            }
            row += 1
        }
        if row < inner.height {
            let lag = queue.oldestEligibleAge
            let text = lag.map { "lag \(Format.age($0)), oldest eligible" } ?? "lag none (nothing waiting)"
            buffer.line(" " + text, in: inner, row: row, role: (lag ?? 0) > 60 ? .warning : .normal, glyphs: glyphs)
            row += 1
        }
        if large && row + 1 < inner.height {
            let total = queue.counts.values.reduce(0, +)
            buffer.line(" total \(Format.count(total)) tasks", in: inner, row: row + 1, role: .muted, glyphs: glyphs)
        }
    }

    // MARK: Rates

    private func drawRates(_ area: Rect, into buffer: inout CellBuffer) {
        let minutesShown = min(60, max(0, area.width - 2))
        var title = "Rates per minute, last \(minutesShown) min"
        if let rates = snapshot?.rates { title += ", now \(Format.rate(rates.currentPerSecond))" }
        let inner = buffer.box(area, title: title + staleNote(.rates), glyphs: glyphs)
        if drawMissing(.rates, inner: inner, into: &buffer) { return }
        guard let rates = snapshot?.rates, inner.height >= 2 else { return }
        let minutes = Array(rates.minutes.suffix(minutesShown))
        let chart = RatesChart(minutes: minutes, rows: inner.height - 1)
        let start = inner.column + max(0, inner.width - minutes.count)
        for (index, bar) in chart.bars.enumerated() {
            for level in 0..<chart.rows {
                let row = inner.row + chart.rows - 1 - level
                if level < bar.failedCells {
                    buffer.write(String(glyphs.failureBar), column: start + index, row: row, role: .chartFailed)
                } else {
                    let eighths = bar.succeededEighths - (level - bar.failedCells) * 8
                    guard eighths > 0 else { break }
                    buffer.write(String(glyphs.bar(eighths: eighths)), column: start + index, row: row,
                                 role: .chartSucceeded)
                }
            }
        }
        // The legend names each series by its glyph and colour: "█ ok  ▒ failed  last min 26/0, peak 74/3".
        let legend = inner.line(inner.height - 1)
        buffer.line("", in: inner, row: inner.height - 1, glyphs: glyphs)
        var column = legend.column + 1
        column += buffer.write(String(glyphs.bar(eighths: 8)), column: column, row: legend.row, role: .chartSucceeded,
                               clip: legend)
        column += buffer.write(" ok  ", column: column, row: legend.row, role: .muted, clip: legend)
        column += buffer.write(String(glyphs.failureBar), column: column, row: legend.row, role: .chartFailed,
                               clip: legend)
        let last = minutes.last
        let figures = " failed  last min \(last?.succeeded ?? 0)/\(last?.failed ?? 0), "
            + "peak \(chart.succeededPeak)/\(chart.failedPeak)"
        buffer.write(figures.clipped(to: max(0, legend.maxColumn - column), ellipsis: glyphs.ellipsis), column: column,
                     row: legend.row, role: .muted, clip: legend)
    }

    // MARK: Failed tasks, accounts, logs: lists

    private func drawFailed(_ area: Rect, into buffer: inout CellBuffer) {
        let count = snapshot?.queue?.count(.failed)
        let tasks = snapshot?.failedTasks ?? []
        let layout = TableLayout(width: area.width - 4, [.fixed(6), .fixed(16), .fixed(5),
                                                         .fixed(5, shown: area.width - 2 >= 70), .fixed(4),
                                                         .rest(minimum: 4)])
        let list = SelectableListBox(title: "Failed tasks" + (count.map { " (\($0))" } ?? "") + staleNote(.failedTasks),
                                     focused: model.focus == .failedTasks,
                                     header: layout.row(["id", "trade", "type", "tries", "age", "last error"],
                                                        ellipsis: glyphs.ellipsis),
                                     empty: "no failed tasks")
        let now = snapshot?.takenAt ?? model.now
        let trades = DistinctNames(tasks.map(\.tradeID), width: layout.widths[1] ?? 0, ellipsis: glyphs.ellipsis)
        list.draw(tasks.map(\.id), cursor: model.cursors.failedTasks, marked: model.marked, in: area,
                  missing: model.missingReason(.failedTasks, glyphs: glyphs), into: &buffer, glyphs: glyphs) { index in
            let task = tasks[index]
            let attempts = task.maxAttempts.map { "\(task.attempts)/\($0)" } ?? "\(task.attempts)"
            return (layout.row(["\(task.id)", trades[task.tradeID], task.eventType.rawValue, attempts,
                                Format.age(now.timeIntervalSince(task.updatedAt ?? task.createdAt)),
                                task.lastError ?? ""], ellipsis: glyphs.ellipsis), .normal)
        }
    }

    private func drawAccounts(_ area: Rect, into buffer: inout CellBuffer) {
        let accounts = snapshot?.accounts ?? []
        let layout = AccountColumns(width: area.width - 3, names: accounts.map(\.name), ellipsis: glyphs.ellipsis)
        let list = SelectableListBox(title: "Accounts, last hour" + staleNote(.accounts), focused: model.focus == .accounts,
                                     header: layout.header(glyphs), empty: "no account configured or seen")
        let now = snapshot?.takenAt ?? model.now
        list.draw(accounts.map(\.name), cursor: model.cursors.accountsPanel, in: area,
                  missing: model.missingReason(.accounts, glyphs: glyphs), into: &buffer, glyphs: glyphs,
                  marker: { accounts[$0].marker }) { index in
            let account = accounts[index]
            return (layout.row(account, now: now, glyphs: glyphs), account.role)
        }
    }

    private func drawLogs(_ area: Rect, into buffer: inout CellBuffer) {
        let logs = snapshot?.recentLogs ?? []
        let layout = LogColumns(width: area.width - 3, entries: logs, knownAccounts: model.knownAccounts,
                                ellipsis: glyphs.ellipsis)
        let list = SelectableListBox(title: "Recent execution logs" + staleNote(.recentLogs),
                                     focused: model.focus == .recentLogs, header: layout.header(glyphs),
                                     empty: "no execution logs yet")
        list.draw(logs.map(\.id), cursor: model.cursors.recentLogs, in: area,
                  missing: model.missingReason(.recentLogs, glyphs: glyphs), into: &buffer, glyphs: glyphs) { index in
            (layout.row(logs[index], zone: zone, glyphs: glyphs), logs[index].statusRole)
        }
    }
}

/// Columns of an audit row, wider terminals get an event column of their own. Trade ids and
/// account names are shortened so that different ones stay different (`DistinctNames`).
struct LogColumns {
    let width: Int
    var showsEvent: Bool { width >= 100 }
    private let layout: TableLayout
    private let trades: DistinctNames
    private let accounts: DistinctNames

    /// `entries` are the rows the table shows; `knownAccounts`, accounts a reader knows of besides.
    init(width: Int, entries: [LogEntry], knownAccounts: [String], ellipsis: Character) {
        self.width = width
        // The account column takes the longest name shown, up to 8 columns (16 on wide terminals).
        let longest = entries.compactMap { $0.account.map(DisplayWidth.of) }.max() ?? 0
        let account = min(width >= 100 ? 16 : 8, max(6, longest))
        layout = TableLayout(width: width, [.fixed(8), .fixed(6), .fixed(width >= 100 ? 18 : 16), .fixed(5),
                                            .fixed(15, shown: width >= 100), .fixed(account), .fixed(7), .fixed(4),
                                            .rest(minimum: 4)])
        trades = DistinctNames(entries.map(\.tradeID), width: layout.widths[2] ?? 0, ellipsis: ellipsis)
        accounts = DistinctNames(entries.compactMap(\.account) + knownAccounts, width: account, ellipsis: ellipsis)
    }

    func header(_ glyphs: Glyphs) -> String {
        layout.row(["time", "task", "trade", "type", "event", "acct", "status", "code", "message"],
                   ellipsis: glyphs.ellipsis)
    }

    func row(_ entry: LogEntry, zone: ClockZone, glyphs: Glyphs) -> String {
        var message = entry.message ?? ""
        let event = entry.event ?? ""
        if !showsEvent, !event.isEmpty, event != "ATTEMPT" { message = event + " " + message }
        return layout.row([Format.clock(entry.createdAt, zone), "\(entry.taskID)", trades[entry.tradeID],
                           entry.eventType.rawValue, event, entry.account.map { accounts[$0] } ?? "-", entry.status,
                           entry.responseCode.map(String.init) ?? "-", message], ellipsis: glyphs.ellipsis)
    }
}

extension LogEntry {
    var statusRole: StyleRole {
        switch status {
        case "FAILED": .failed
        case "SUCCESS": .good
        case "SKIPPED": .muted
        default: .normal
        }
    }
}

extension RouterInfo {
    /// "run", "paused", "stale" (not live by `RouterLiveness`: its heartbeat lapsed) or "stop".
    func stateWord(at now: Date) -> String {
        if stoppedAt != nil { return "stop" }
        if !isLive { return "stale" }
        return paused ? "paused" : "run"
    }
}

/// The rates chart's bars: one stacked bar per minute on one scale, failures at the bottom in
/// whole cells (never hidden: one failure is at least one cell), successes above in eighths.
struct RatesChart: Equatable {
    struct Bar: Equatable {
        var failedCells: Int
        var succeededEighths: Int
    }

    let rows: Int
    let bars: [Bar]
    let succeededPeak: Int
    let failedPeak: Int

    init(minutes: [ProcessingRates.Minute], rows: Int) {
        self.rows = rows
        succeededPeak = minutes.map(\.succeeded).max() ?? 0
        failedPeak = minutes.map(\.failed).max() ?? 0
        let peak = Double(max(1, minutes.map { $0.succeeded + $0.failed }.max() ?? 0))
        bars = minutes.map { minute in
            var failed = Int((Double(minute.failed) / peak * Double(rows)).rounded())
            if minute.failed > 0 { failed = max(1, failed) }
            failed = min(rows, failed)
            let room = (rows - failed) * 8
            var succeeded = Int((Double(minute.succeeded) / peak * Double(rows * 8)).rounded())
            if minute.succeeded > 0 { succeeded = max(1, succeeded) }
            return Bar(failedCells: failed, succeededEighths: min(room, succeeded))
        }
    }
}
