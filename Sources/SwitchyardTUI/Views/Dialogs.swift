import FoundationEssentials
import SwitchyardEngine

/// The box drawn over the current view for the modal that has one: the P dialog, the
/// confirmation of a previewed change, or a message in full.
struct Dialogs {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        switch model.modal {
        case .pauseMenu(let menu)?: drawPauseMenu(menu, in: body, into: &buffer)
        case .confirm(let preview)?: drawConfirmation(preview, in: body, into: &buffer)
        case .message(let message)?: drawMessage(message, in: body, into: &buffer)
        case .filter?, .reason?, .awaitingPreview?, nil: break   // on the status line, if anywhere
        }
    }

    private func drawConfirmation(_ preview: ActionPreview, in body: Rect, into buffer: inout CellBuffer) {
        let width = min(64, body.width - 4)
        var lines = Format.wrap(preview.question, width: width - 4)
        if case .deadLetter(_, let reason) = preview.action {
            lines += Format.wrap("reason: \(reason)", width: width - 4)
        }
        if let tasks = preview.action.namedTasks {
            // The ids y acts on, whatever the cursor or the rows do meanwhile.
            let shown = tasks.prefix(8).map(\.description).joined(separator: ", ")
            lines += Format.wrap("Acts on \(tasks.count == 1 ? "task" : "tasks") \(shown)"
                                 + (tasks.count > 8 ? " and \(tasks.count - 8) more" : "") + " only.", width: width - 4)
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

    /// A message in full: its first line, then the server's detail and what to do.
    private func drawMessage(_ message: StatusMessage, in body: Rect, into buffer: inout CellBuffer) {
        let width = min(76, body.width - 2)
        var lines: [(String, StyleRole)] = Format.wrap(message.text, width: width - 4).map { ($0, .dialog) }
        for line in message.advice { lines += Format.wrap(line, width: width - 4).map { ($0, .dialog) } }
        if message.isError && message.advice.isEmpty { lines.append(("(the error said nothing more)", .dialog)) }
        lines += [("", .dialog), ("at \(Format.clock(message.at, model.settings.timeZone)); any key closes", .dialog)]
        box(message.isError ? "Error" : "Message", lines: Array(lines.prefix(max(1, body.height - 2))), width: width,
            in: body, into: &buffer)
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
