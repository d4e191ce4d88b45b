import FoundationEssentials
import SwitchyardEngine

/// The task list: the filter on top, then one task per line.
struct TaskListScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let count = model.taskList.map { " (\($0.count) shown)" } ?? ""
        let what = model.filter == TaskFilter() ? "all tasks" : model.filter.summary
        let tasks = model.taskList ?? []
        let wide = body.width - 2 >= 100
        let layout = TableLayout(width: body.width - 4, [.fixed(6), .fixed(wide ? 20 : 16), .fixed(5), .fixed(8),
                                                         .fixed(5), .fixed(8, shown: wide), .fixed(4),
                                                         .rest(minimum: 4)])
        let list = SelectableListBox(title: "Tasks: " + what + count, focused: true,
                                     header: layout.row(["id", "trade", "type", "status", "tries", "created", "upd",
                                                         "last error"], ellipsis: glyphs.ellipsis),
                                     empty: "no \(model.filter.summary); / changes the filter")
        let now = model.snapshot?.takenAt ?? model.now
        let trades = DistinctNames(tasks.map(\.tradeID), width: layout.widths[1] ?? 0, ellipsis: glyphs.ellipsis)
        list.draw(tasks.map(\.id), cursor: model.cursors.taskList, marked: model.marked, in: body,
                  missing: model.taskList == nil ? "loading\(glyphs.ellipsis)" : nil, into: &buffer, glyphs: glyphs) { index in
            let task = tasks[index]
            let attempts = task.maxAttempts.map { "\(task.attempts)/\($0)" } ?? "\(task.attempts)"
            return (layout.row(["\(task.id)", trades[task.tradeID], task.eventType.rawValue, task.status.rawValue, attempts,
                                Format.clock(task.createdAt, model.settings.timeZone),
                                Format.age(now.timeIntervalSince(task.updatedAt ?? task.createdAt)),
                                task.lastError ?? ""], ellipsis: glyphs.ellipsis), task.status.role)
        }
    }
}

extension TaskStatus {
    var role: StyleRole {
        switch self {
        case .failed: .failed
        case .dead, .held: .warning
        case .success: .good
        default: .normal
        }
    }
}

/// One task: its fields, the payload pretty-printed, and the whole audit trail; scrolls.
struct TaskDetailScreen {
    let model: DashboardModel
    let glyphs: Glyphs
    let id: TaskID

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        drawScrolling(taskDetailLines(model, width: body.width - 3, glyphs: glyphs), title: "Task \(id)", in: body,
                      scroll: model.scroll, into: &buffer, glyphs: glyphs)
    }
}

/// Lines in a focused box from `scroll` on, with "first-last of n" at the bottom when they overflow.
func drawScrolling(_ lines: [(text: String, role: StyleRole)], title: String, in body: Rect, scroll: Int,
                   into buffer: inout CellBuffer, glyphs: Glyphs) {
    let inner = buffer.box(body, title: title, glyphs: glyphs, focused: true)
    let first = min(scroll, max(0, lines.count - inner.height))
    for (offset, line) in lines.dropFirst(first).prefix(inner.height).enumerated() {
        buffer.line(" " + line.text, in: inner, row: offset, role: line.role, glyphs: glyphs)
    }
    if lines.count > inner.height {
        let position = " \(first + 1)-\(min(lines.count, first + inner.height)) of \(lines.count) "
        buffer.write(position, column: body.maxColumn - DisplayWidth.of(position) - 2, row: body.maxRow - 1,
                     role: .muted)
    }
}

/// The task detail as lines of text, so scrolling can be clamped without drawing.
func taskDetailLines(_ model: DashboardModel, width: Int, glyphs: Glyphs) -> [(text: String, role: StyleRole)] {
    guard let detail = model.taskDetail else { return [("loading\(glyphs.ellipsis)", .muted)] }
    let zone = model.settings.timeZone
    let task = detail.summary
    func time(_ date: Date?) -> String { date.map { Format.clock($0, zone) } ?? "-" }
    var lines: [(text: String, role: StyleRole)] = []
    let attempts = task.maxAttempts.map { "\(task.attempts)/\($0)" } ?? "\(task.attempts)"
    lines.append(("trade \(task.tradeID)   type \(task.eventType.rawValue)   status \(task.status.rawValue)"
                  + "   attempts \(attempts)", task.status.role))
    lines.append(("created \(time(task.createdAt))   updated \(time(task.updatedAt))   available \(time(detail.availableAt))"
                  + "   finished \(time(detail.finishedAt))", .normal))
    if let lockedBy = detail.lockedBy {
        lines.append(("locked by \(lockedBy) until \(time(detail.lockedUntil))", .normal))
    }
    if let reason = detail.deadLetterReason { lines.append(("dead-letter reason: \(reason)", .warning)) }
    if let error = task.lastError {
        for line in Format.wrap("last error: \(error)", width: width) { lines.append((line, .failed)) }
    }
    lines.append(("", .normal))
    lines.append(("Payload", .title))
    if let payload = detail.prettyPayload {
        lines += payload.split(separator: "\n", omittingEmptySubsequences: false).map { ("  " + $0, .normal) }
    } else {
        lines.append(("  (none: the task was enqueued without a payload)", .muted))
    }
    lines.append(("", .normal))
    lines.append(("Audit trail (\(detail.auditTrail.count), oldest first)", .title))
    let layout = TableLayout(width: width - 2, [.fixed(8), .fixed(15), .fixed(10), .fixed(7), .fixed(4), .fixed(6),
                                                .rest(minimum: 10)])
    func columns(_ parts: [String]) -> String { layout.row(parts, ellipsis: glyphs.ellipsis) }
    lines.append(("  " + columns(["time", "event", "account", "status", "code", "ms", "message"]), .muted))
    let accounts = DistinctNames(detail.auditTrail.compactMap(\.account) + model.knownAccounts, width: layout.widths[2] ?? 0,
                                 ellipsis: glyphs.ellipsis)
    for entry in detail.auditTrail {
        let text = columns([Format.clock(entry.createdAt, zone), entry.event ?? "-", entry.account.map { accounts[$0] } ?? "-",
                            entry.status,
                            entry.responseCode.map(String.init) ?? "-",
                            entry.durationMilliseconds.map { String($0).leftPadded(to: 5) } ?? "-", entry.message ?? ""])
        lines.append(("  " + text, entry.statusRole))
        let who = [entry.actor.map { "by \($0)" }, entry.routerID.map { "router \($0)" }].compactMap { $0 }
        if entry.event != "ATTEMPT", !who.isEmpty { lines.append(("    " + who.joined(separator: ", "), .muted)) }
    }
    if detail.auditTrail.isEmpty { lines.append(("  no audit rows yet", .muted)) }
    return lines
}

/// Every router seen recently, and the switches they obey.
struct RoutersScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let inner = buffer.box(body, title: "Routers", glyphs: glyphs, focused: true)
        guard let snapshot = model.snapshot else {
            buffer.explain(model.missingReason(.routers, glyphs: glyphs) ?? "", in: inner, glyphs: glyphs)
            return
        }
        let zone = model.settings.timeZone
        var row = 0
        if let control = snapshot.control {
            let text: String
            if control.globalPaused {
                let by = control.changedBy.map { " by \($0)" } ?? ""
                let at = control.changedAt.map { " at \(Format.clock($0, zone))" } ?? ""
                let why = control.reason.map { ": \($0)" } ?? ""
                text = "Every router is PAUSED\(by)\(at)\(why). P resumes."
            } else {
                text = "Routers are claiming tasks. P pauses every router (in-flight work finishes)."
            }
            buffer.line(" " + text, in: inner, row: row, role: control.globalPaused ? .warning : .normal, glyphs: glyphs)
            row += 1
            if !control.pausedEventTypes.isEmpty {
                buffer.line(" Paused event types: " + control.pausedEventTypes.joined(separator: ", "), in: inner,
                            row: row, role: .warning, glyphs: glyphs)
                row += 1
            }
        } else if let reason = model.missingReason(.control, glyphs: glyphs) {
            buffer.line(" pause switches " + reason, in: inner, row: row, role: .muted, glyphs: glyphs)
            row += 1
        }
        row += 1
        guard let routers = snapshot.routers else {
            let (_, rest, _) = inner.splitVertically(top: row)
            buffer.explain("routers " + (model.missingReason(.routers, glyphs: glyphs) ?? ""), in: rest, glyphs: glyphs)
            return
        }
        let layout = TableLayout(width: inner.width - 1, [.rest(minimum: 10, maximum: 24), .fixed(10), .fixed(7),
                                                          .fixed(8), .fixed(5), .fixed(6), .fixed(7), .fixed(5), .fixed(9)])
        func columns(_ parts: [String]) -> String { layout.row(parts, ellipsis: glyphs.ellipsis) }
        buffer.line(" " + columns(["id", "host", "pid", "started", "beat", "state", "mode", "in-fl", "processed"]),
                    in: inner, row: row, role: .muted, glyphs: glyphs)
        row += 1
        if routers.isEmpty {
            buffer.line(" no router seen recently", in: inner, row: row, role: .muted, glyphs: glyphs)
        }
        for router in routers.dropFirst(model.scroll) where row < inner.height {
            let state = router.stateWord(at: snapshot.takenAt)
            let text = columns([router.id, router.host, String(router.pid), Format.clock(router.startedAt, zone),
                                Format.age(snapshot.takenAt.timeIntervalSince(router.heartbeatAt)), state,
                                router.dryRun ? "dry-run" : "LIVE", String(router.inFlight).leftPadded(to: 5),
                                Format.count(router.processed).leftPadded(to: 9)])
            // A router sending real orders now stands out in the header's live colour.
            let role: StyleRole = state == "run" && !router.dryRun ? .live
                : state == "run" ? .good : (state == "paused" ? .warning : .muted)
            buffer.line(" " + text, in: inner, row: row, role: role, glyphs: glyphs)
            row += 1
        }
    }
}
