import FoundationEssentials
import SwitchyardEngine

/// Draws the whole screen for `model` into `buffer`: same model and size, same cells.
public func view(_ model: DashboardModel, into buffer: inout CellBuffer, glyphs: Glyphs) {
    buffer.fill(buffer.bounds)
    guard buffer.size.isLargeEnough else {
        drawTooSmall(buffer.size, live: model.routesLive, into: &buffer, glyphs: glyphs)
        return
    }
    var screen = ScreenDrawer(model: model, glyphs: glyphs)
    screen.draw(into: &buffer)
}

extension DashboardModel {
    /// True when real orders may be going out: the embedded router routes live accounts, or a
    /// router alive in the routers table does (its heartbeat records it), seen by any dashboard.
    var routesLive: Bool {
        if let status = routerStatus, !status.dryRun, status.state != .stopped { return true }
        return snapshot?.routers?.contains { $0.isLive && $0.stoppedAt == nil && !$0.dryRun } ?? false
    }
}

/// Below the smallest size: what is wrong and what to do, and no key but q acts (see `handleKey`).
/// Live routing is said even here, on the first line.
private func drawTooSmall(_ size: TerminalSize, live: Bool, into buffer: inout CellBuffer, glyphs: Glyphs) {
    if live { buffer.write("[LIVE] real orders", column: 0, row: 0, role: .live, clip: buffer.bounds) }
    let lines = Format.wrap("The terminal is \(size.columns)x\(size.rows); the dashboard needs at least "
                            + "\(TerminalSize.minimum.columns)x\(TerminalSize.minimum.rows).", width: size.columns)
        + Format.wrap("Enlarge the window, or press q to quit.", width: size.columns)
    let top = max(0, (size.rows - lines.count) / 2)
    for (index, line) in lines.enumerated() {
        let column = max(0, (size.columns - DisplayWidth.of(line)) / 2)
        buffer.write(line, column: column, row: top + index, role: index == 0 ? .warning : .normal)
    }
}

/// Draws one frame at a legal size into the places `ScreenLayout` gives: header, the offline
/// banner, the current view, the status line, and the dialog on top.
struct ScreenDrawer {
    let model: DashboardModel
    let glyphs: Glyphs

    var snapshot: DashboardSnapshot? { model.snapshot }
    var zone: ClockZone { model.settings.timeZone }

    mutating func draw(into buffer: inout CellBuffer) {
        let layout = ScreenLayout(model: model)
        drawHeader(layout.header, into: &buffer)
        if let line = layout.banner, let banner = Self.banner(for: model, glyphs: glyphs) {
            drawError(banner, in: line, into: &buffer)
        }
        let body = layout.body
        switch model.view {
        case .dashboard: DashboardPanels(model: model, glyphs: glyphs, layout: layout.panels).draw(into: &buffer)
        case .taskList: TaskListScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .taskDetail(let id): TaskDetailScreen(model: model, glyphs: glyphs, id: id).draw(in: body, into: &buffer)
        case .routers: RoutersScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .schedules: SchedulesScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .alerts: AlertsScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .accounts: AccountsScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .accountDetail(let name):
            AccountDetailScreen(model: model, glyphs: glyphs, name: name).draw(in: body, into: &buffer)
        case .help: HelpScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        }
        drawStatusLine(layout.status, into: &buffer)
        Dialogs(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
    }

    // MARK: Header

    private func drawHeader(_ area: Rect, into buffer: inout CellBuffer) {
        buffer.fill(area, role: .header)
        // Narrow terminals get the short words, so the mode, router state, alerts and connection
        // always fit; the database name takes what is left.
        var segments = headerSegments(short: false)
        let product = area.width >= 110 ? "Switchyard  " : ""
        func room(_ segments: [(String, StyleRole)]) -> Int {
            area.width - segments.map { DisplayWidth.of($0.0) + 2 }.reduce(0, +) - DisplayWidth.of(product) - 2
        }
        if room(segments) < 8 { segments = headerSegments(short: true) }
        let right = segments.map { DisplayWidth.of($0.0) + 2 }.reduce(0, +)
        let nameWidth = max(8, room(segments))
        var column = area.column + 1
        column += buffer.write(product, column: column, row: area.row, role: .header)
        // The longest name that fits; else the shortest, cut at its end (the database's name comes first).
        let names = model.settings.databaseNames
        let name = names.first { DisplayWidth.of($0) <= nameWidth }
            ?? (names.last ?? "").clipped(to: nameWidth, ellipsis: glyphs.ellipsis)
        column += buffer.write(name, column: column, row: area.row, role: .header)
        column = max(column + 2, area.maxColumn - right)
        for (text, role) in segments {
            column += buffer.write(text, column: column, row: area.row, role: role, clip: area)
            column += 2
        }
    }

    /// The header's right side: mode, router state, alerts firing, connection; `short` words for
    /// narrow terminals ("DRY", "2 FIRING").
    private func headerSegments(short: Bool) -> [(String, StyleRole)] {
        var segments: [(String, StyleRole)] = []
        if let accounts = snapshot?.observedAccounts {
            let names = accounts.joined(separator: ",").clipped(to: short ? 12 : 24, ellipsis: glyphs.ellipsis)
            segments.append(("OBSERVER " + names, .badge))
        } else {
            segments.append((model.settings.readOnly ? "OBSERVER" : "OPERATOR",
                             model.settings.readOnly ? .badge : .header))
        }
        let (router, dryRun) = routerText
        segments.append((router, .header))
        if model.routesLive {
            segments.append(("[LIVE]", .live))
        } else if dryRun {
            segments.append((short ? "DRY" : "DRY-RUN", .badge))
        }
        if let firing = snapshot?.alerts?.firing.count, firing > 0 {
            segments.append((short ? "\(firing) FIRING" : "\(firing) ALERT\(firing == 1 ? "" : "S") FIRING", .error))
        }
        segments.append(connectionText)
        return segments
    }

    /// ("router running", dry-run?) for the embedded router, else what the routers table says.
    private var routerText: (String, Bool) {
        let globalPaused = snapshot?.control?.globalPaused ?? false
        if let status = model.routerStatus {
            switch status.state {
            case .running: return (globalPaused ? "router paused" : "router running", status.dryRun)
            case .paused: return ("router paused", status.dryRun)
            case .stopped: return ("router stopped", status.dryRun)
            case .failed: return ("router FAILED", status.dryRun)
            }
        }
        guard let snapshot, let routers = snapshot.routers else { return ("routers ?", false) }
        let live = routers.filter(\.isLive)
        if globalPaused { return ("routers paused", false) }
        if live.isEmpty { return ("router off", false) }
        return ("\(live.count) router\(live.count == 1 ? "" : "s")", live.allSatisfy(\.dryRun))
    }

    private var connectionText: (String, StyleRole) {
        switch model.connection {
        case .connecting: return ("connecting" + String(glyphs.ellipsis), .header)
        case .disconnected: return ("OFFLINE", .error)
        case .noAnswer: return ("NO ANSWER \(Format.age((model.unansweredFor ?? .zero).seconds))", .error)
        case .connected:
            let age = Format.age(model.dataAge ?? 0)
            return model.isStale ? ("stale \(age)", .badge) : ("live \(age)", .header)
        }
    }

    /// The offline or no-answer banner's text; nil while the database answers. `ScreenLayout`
    /// gives it a line.
    static func banner(for model: DashboardModel, glyphs: Glyphs) -> String? {
        let zone = model.settings.timeZone
        switch model.connection {
        case .disconnected(let since, let error):
            let data = model.snapshot == nil ? "no data yet" : "showing last data"
            return "database unreachable since \(Format.clock(since, zone)) (\(error)) \(glyphs.emDash) retrying; \(data)"
        case .noAnswer(let since):
            // Short enough for 80 columns beside "e: what to do": the advice is behind `e`.
            let data = model.snapshotReceivedAt.map { "data of \(Format.clock($0, zone)), stale" } ?? "no data yet"
            return "database not answering since \(Format.clock(since.date, zone)) \(glyphs.emDash) \(data)"
        case .connecting, .connected:
            return nil
        }
    }

    // MARK: Status line and dialogs

    /// A message's first line, with the key that opens all of it kept in view at the right: "what
    /// to do" for an error, "more" for a message longer than the line.
    private func drawMessage(_ text: String, more: String, role: StyleRole, in line: Rect,
                             into buffer: inout CellBuffer) {
        let label = " \(KeyTable.key(of: .showMessage)): \(more) "
        let (left, right) = line.splitHorizontally(left: line.width - DisplayWidth.of(label))
        buffer.line(" " + text, in: left, row: 0, role: role, glyphs: glyphs)
        buffer.line(label, in: right, row: 0, role: role, glyphs: glyphs)
    }

    private func drawError(_ text: String, in line: Rect, into buffer: inout CellBuffer) {
        drawMessage(text, more: "what to do", role: .error, in: line, into: &buffer)
    }

    private func drawStatusLine(_ area: Rect, into buffer: inout CellBuffer) {
        switch model.modal {
        case .filter(let text)?:
            buffer.line(" Filter: \(text)_   words: status (failed, held, ...), entry/exit, trade id text; "
                        + "Enter apply, Esc cancel", in: area, row: 0, role: .dialog, glyphs: glyphs)
            return
        case .reason(let prompt)?:
            let tasks = prompt.tasks.count == 1 ? "\(prompt.tasks[0])" : "\(prompt.tasks.count) tasks"
            buffer.line(" Dead-letter \(tasks), reason: \(prompt.text)_   Enter continue, Esc cancel",
                        in: area, row: 0, role: .dialog, glyphs: glyphs)
            return
        default:
            break
        }
        if let status = model.status {
            if status.isError {
                drawError(status.text, in: area, into: &buffer)
            } else if DisplayWidth.of(status.fullText) > area.width - 2 {
                drawMessage(status.text, more: "more", role: .statusLine, in: area, into: &buffer)
            } else {
                buffer.line(" " + status.text, in: area, row: 0, role: .statusLine, glyphs: glyphs)
            }
            return
        }
        let hints = KeyTable.hintLine(for: model.view, readOnly: !model.mayChange, marks: !model.marked.isEmpty,
                                      width: area.width - 1)
        buffer.line(" " + hints, in: area, row: 0, role: .statusLine, glyphs: glyphs)
    }
}
