import Foundation
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
    var zone: TimeZone { model.settings.timeZone }

    mutating func draw(into buffer: inout CellBuffer) {
        let banner = bannerText
        let (header, rest, status) = buffer.bounds.splitVertically(top: 1, bottom: 1)
        drawHeader(header, into: &buffer)
        var body = rest
        if let banner {
            let (line, remainder, _) = rest.splitVertically(top: 1)
            buffer.line(" " + banner, in: line, row: 0, role: .error, glyphs: glyphs)
            body = remainder
        }
        switch model.view {
        case .dashboard: DashboardPanels(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .taskList: TaskListScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .taskDetail(let id): TaskDetailScreen(model: model, glyphs: glyphs, id: id).draw(in: body, into: &buffer)
        case .routers: RoutersScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .accounts: AccountsScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        case .accountDetail(let name):
            AccountDetailScreen(model: model, glyphs: glyphs, name: name).draw(in: body, into: &buffer)
        case .help: HelpScreen(model: model, glyphs: glyphs).draw(in: body, into: &buffer)
        }
        drawStatusLine(status, into: &buffer)
        if let preview = model.confirmation { drawConfirmation(preview, in: body, into: &buffer) }
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
        case .connected:
            let age = Format.age(model.dataAge ?? 0)
            return model.isStale ? ("stale \(age)", .badge) : ("live \(age)", .header)
        }
    }

    private var bannerText: String? {
        guard case .disconnected(let since, let error) = model.connection else { return nil }
        let data = model.snapshot == nil ? "no data yet" : "showing last data"
        return "database unreachable since \(Format.clock(since, zone)) \(glyphs.emDash) retrying; \(data) (\(error))"
    }

    // MARK: Status line and dialogs

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
            buffer.line(" " + status.text, in: area, row: 0, role: status.isError ? .error : .statusLine, glyphs: glyphs)
            return
        }
        buffer.line(" " + keyHints, in: area, row: 0, role: .statusLine, glyphs: glyphs)
    }

    private var keyHints: String {
        let changes = model.settings.readOnly ? "read-only: changes disabled" : "r retry  d dead  h hold  P pause  R retry all"
        switch model.view {
        case .dashboard:
            return "q quit  ? help  Tab panel  Enter open  / filter  Space mark  "
                + (model.settings.readOnly ? "(read-only)" : "r d h P R act")
        case .taskList: return "Esc back  / filter  Enter open  Space mark  " + changes
        case .taskDetail: return "Esc back  j/k scroll  " + changes
        case .routers: return "Esc back  P pause/resume all routers  ? help"
        case .accounts: return "Esc back  j/k move  Enter open account  ? help"
        case .accountDetail: return "Esc back  j/k scroll  ? help"
        case .help: return "Esc back  j/k scroll  q back"
        }
    }

    private func drawConfirmation(_ preview: ActionPreview, in body: Rect, into buffer: inout CellBuffer) {
        let width = min(64, body.width - 4)
        var lines = Format.wrap(preview.question, width: width - 4)
        if case .deadLetter(_, let reason) = preview.action {
            lines += Format.wrap("reason: \(reason)", width: width - 4)
        }
        if preview.matching == 0 { lines += Format.wrap("Nothing matches now; confirming changes nothing.", width: width - 4) }
        lines += ["", "y confirm    n cancel"]
        let area = body.centered(width: width, height: lines.count + 2)
        buffer.fill(area, role: .dialog)
        let inner = buffer.box(area, title: "Confirm", glyphs: glyphs, focused: true)
        buffer.setRole(.dialog, in: Rect(column: area.column + 1, row: area.row + 1, width: area.width - 2,
                                         height: area.height - 2))
        for (index, line) in lines.enumerated() {
            buffer.line(" " + line, in: inner, row: index, role: .dialog, glyphs: glyphs)
        }
    }
}
