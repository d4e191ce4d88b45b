import FoundationEssentials
import SwitchyardEngine

/// The boxes drawn over the current view: the P dialog, the confirmation of a previewed change,
/// and the whole last error.
struct Dialogs {
    let model: DashboardModel
    let glyphs: Glyphs

    mutating func draw(in body: Rect, into buffer: inout CellBuffer) {
        if let menu = model.pauseMenu { drawPauseMenu(menu, in: body, into: &buffer) }
        if let preview = model.confirmation { drawConfirmation(preview, in: body, into: &buffer) }
        if model.showsError, let error = model.lastError { drawError(error, in: body, into: &buffer) }
    }

    private func drawConfirmation(_ preview: ActionPreview, in body: Rect, into buffer: inout CellBuffer) {
        let width = min(64, body.width - 4)
        var lines = Format.wrap(preview.question, width: width - 4)
        if case .deadLetter(_, let reason) = preview.action {
            lines += Format.wrap("reason: \(reason)", width: width - 4)
        }
        for consequence in preview.consequences { lines += Format.wrap(consequence, width: width - 4) }
        if preview.action.actsOnTasks && preview.matching == 0 {
            lines += Format.wrap("Nothing matches now; confirming changes nothing.", width: width - 4)
        }
        lines += ["", "\(KeyTable.key(of: .confirm)) confirm    \(KeyTable.key(of: .cancel)) cancel"]
        box("Confirm", lines: lines.map { ($0, .dialog) }, width: width, in: body, into: &buffer)
    }

    /// Each switch with what it is now and what choosing it does; the selected one reversed.
    private func drawPauseMenu(_ menu: PauseMenu, in body: Rect, into buffer: inout CellBuffer) {
        let width = min(64, body.width - 4)
        var lines: [(String, StyleRole)] = [("Pause or resume, on every router:", .dialog), ("", .dialog)]
        for (index, choice) in menu.choices.enumerated() {
            let marker = index == menu.selected ? ">" : " "
            lines.append(("\(marker) \(pauseChoiceLabel(choice))", index == menu.selected ? .selected : .dialog))
        }
        if let control = model.snapshot?.control {
            let now = control.globalPaused ? "every router is paused" : "routers are claiming"
            let types = control.pausedEventTypes.isEmpty ? "" : "; paused: " + control.pausedEventTypes.joined(separator: ", ")
            lines.append(("", .dialog))
            lines += Format.wrap("Now: \(now)\(types).", width: width - 4).map { ($0, .dialog) }
        }
        lines += [("", .dialog),
                  ("\(KeyTable.key(of: .move(.down)))/\(KeyTable.key(of: .move(.up))) choose    "
                   + "\(KeyTable.key(of: .open)) preview    \(KeyTable.key(of: .escape)) cancel", .dialog)]
        box("Pause", lines: lines, width: width, in: body, into: &buffer)
    }

    private func drawError(_ error: ErrorReport, in body: Rect, into buffer: inout CellBuffer) {
        let width = min(76, body.width - 2)
        var lines: [(String, StyleRole)] = Format.wrap(error.summary, width: width - 4).map { ($0, .dialog) }
        for line in error.advice { lines += Format.wrap(line, width: width - 4).map { ($0, .dialog) } }
        if error.advice.isEmpty { lines.append(("(the error said nothing more)", .dialog)) }
        lines += [("", .dialog), ("at \(Format.clock(error.at, model.settings.timeZone)); any key closes", .dialog)]
        box("Error", lines: Array(lines.prefix(max(1, body.height - 2))), width: width, in: body, into: &buffer)
    }

    /// A framed box centred in `body`, filled with the dialog style.
    private func box(_ title: String, lines: [(String, StyleRole)], width: Int, in body: Rect,
                     into buffer: inout CellBuffer) {
        let area = body.centered(width: width, height: lines.count + 2)
        buffer.fill(area, role: .dialog)
        let inner = buffer.box(area, title: title, glyphs: glyphs, focused: true)
        buffer.setRole(.dialog, in: inner)
        for (index, line) in lines.enumerated() {
            buffer.line(" " + line.0, in: inner, row: index, role: line.1, glyphs: glyphs)
        }
    }
}
