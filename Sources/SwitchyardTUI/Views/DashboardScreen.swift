import FoundationEssentials
import SwitchyardEngine

/// Draws the whole screen for `model` into `buffer`: same model and size, same cells.
public func view(_ model: DashboardModel, into buffer: inout CellBuffer, glyphs: Glyphs) {
    buffer.fill(buffer.bounds)
    guard buffer.size.isLargeEnough else {
        drawTooSmall(buffer.size, into: &buffer, glyphs: glyphs)
        return
    }
    var screen = ScreenDrawer(model: model, glyphs: glyphs)
    screen.draw(into: &buffer)
}

private func drawTooSmall(_ size: TerminalSize, into buffer: inout CellBuffer, glyphs: Glyphs) {
    let lines = Format.wrap("The terminal is \(size.columns)x\(size.rows); the dashboard needs at least "
                            + "\(TerminalSize.minimum.columns)x\(TerminalSize.minimum.rows).", width: size.columns)
        + Format.wrap("Enlarge the window, or press q to quit.", width: size.columns)
    let top = max(0, (size.rows - lines.count) / 2)
    for (index, line) in lines.enumerated() {
        let column = max(0, (size.columns - DisplayWidth.of(line)) / 2)
        buffer.write(line, column: column, row: top + index, role: index == 0 ? .warning : .normal)
    }
}

/// Draws one frame at a legal size: header, optional banner, the current view, status line, dialogs.
struct ScreenDrawer {
    let model: DashboardModel
    let glyphs: Glyphs

    var snapshot: DashboardSnapshot? { model.snapshot }
    var zone: ClockZone { model.settings.timeZone }

    mutating func draw(into buffer: inout CellBuffer) {
        let banner = bannerText
        let (header, rest, status) = buffer.bounds.splitVertically(top: 1, bottom: 1)
        drawHeader(header, into: &buffer)
        var body = rest
        if let banner {
            let (line, remainder, _) = rest.splitVertically(top: 1)
            drawError(banner, in: line, into: &buffer)
            body = remainder
        }
        switch model.view {
        case .dashboard: DashboardPanels(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
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
        drawStatusLine(status, into: &buffer)
        var dialogs = Dialogs(model: model, glyphs: glyphs)
        dialogs.draw(in: body, into: &buffer)
    }

    // MARK: Header

    private func drawHeader(_ area: Rect, into buffer: inout CellBuffer) {
        buffer.fill(area, role: .header)
        var segments: [(String, StyleRole)] = []
        if let accounts = snapshot?.observedAccounts {
            let names = accounts.joined(separator: ",").clipped(to: 24, ellipsis: glyphs.ellipsis)
            segments.append(("OBSERVER " + names, .badge))
        } else {
            segments.append((model.settings.readOnly ? "OBSERVER" : "OPERATOR",
                             model.settings.readOnly ? .badge : .header))
        }
        let (router, dryRun) = routerText
        segments.append((router, .header))
        if dryRun { segments.append(("DRY-RUN", .badge)) }
        if let firing = snapshot?.alerts?.firing.count, firing > 0 {
            segments.append(("\(firing) ALERT\(firing == 1 ? "" : "S") FIRING", .error))
        }
        segments.append(connectionText)

        let right = segments.map { DisplayWidth.of($0.0) + 2 }.reduce(0, +)
        let product = area.width >= 110 ? "Switchyard  " : ""
        let nameWidth = max(8, area.width - right - DisplayWidth.of(product) - 2)
        var column = area.column + 1
        column += buffer.write(product, column: column, row: area.row, role: .header)
        let name = model.settings.databaseName.clipped(to: nameWidth, ellipsis: glyphs.ellipsis)
        column += buffer.write(name, column: column, row: area.row, role: .header)
        column = max(column + 2, area.maxColumn - right)
        for (text, role) in segments {
            column += buffer.write(text, column: column, row: area.row, role: role, clip: area)
            column += 2
        }
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

    private var bannerText: String? {
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

    /// An error's first line, with the key that opens all of it (its advice) kept in view at the right.
    private func drawError(_ text: String, in line: Rect, into buffer: inout CellBuffer) {
        let more = " \(KeyTable.key(of: .showError)): what to do "
        let (left, right) = line.splitHorizontally(left: line.width - DisplayWidth.of(more))
        buffer.line(" " + text, in: left, row: 0, role: .error, glyphs: glyphs)
        buffer.line(more, in: right, row: 0, role: .error, glyphs: glyphs)
    }

    private func drawStatusLine(_ area: Rect, into buffer: inout CellBuffer) {
        if let text = model.filterEditor {
            buffer.line(" Filter: \(text)_   words: status (failed, held, ...), entry/exit, trade id text; "
                        + "Enter apply, Esc cancel", in: area, row: 0, role: .dialog, glyphs: glyphs)
            return
        }
        if let prompt = model.reasonPrompt {
            let tasks = prompt.tasks.count == 1 ? "\(prompt.tasks[0])" : "\(prompt.tasks.count) tasks"
            buffer.line(" Dead-letter \(tasks), reason: \(prompt.text)_   Enter continue, Esc cancel",
                        in: area, row: 0, role: .dialog, glyphs: glyphs)
            return
        }
        if let status = model.status {
            if status.isError {
                drawError(status.text, in: area, into: &buffer)
            } else {
                buffer.line(" " + status.text, in: area, row: 0, role: .statusLine, glyphs: glyphs)
            }
            return
        }
        let hints = KeyTable.hintLine(for: model.view, readOnly: model.settings.readOnly, width: area.width - 1)
        buffer.line(" " + hints, in: area, row: 0, role: .statusLine, glyphs: glyphs)
    }
}
