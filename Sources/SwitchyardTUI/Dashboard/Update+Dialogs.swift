import SwitchyardEngine

// The modals that take the keys while open: the filter and reason fields, the confirmation of
// a previewed change, and the P dialog.

/// `/`: typing the task list's filter; Enter applies it, Esc leaves it as it was.
func editFilter(_ model: inout DashboardModel, _ text: String, _ key: Key) -> [DashboardEffect] {
    switch key {
    case .escape:
        model.modal = nil
    case .enter:
        model.filter = parseFilter(text)
        model.modal = nil
        model.cursors.taskList = ListCursor()
        model.marked = []
        model.say("Showing \(model.filter.summary).")
        return [.listTasks(model.filter, limit: model.settings.taskListLimit)]
    case .backspace:
        model.modal = .filter(String(text.dropLast()))
    case .character(let character):
        model.modal = .filter(text + String(character))
    default:
        break
    }
    return []
}

/// `d`: typing the dead-letter reason; Enter asks for the preview of the tasks named when `d`
/// was pressed.
func editReason(_ model: inout DashboardModel, _ prompt: ReasonPrompt, _ key: Key) -> [DashboardEffect] {
    switch key {
    case .escape:
        model.modal = nil
        model.say("Cancelled; nothing changed.")
    case .enter:
        let reason = prompt.text.trimmed
        model.modal = nil
        return askPreview(&model, .deadLetter(prompt.tasks, reason: reason.isEmpty ? defaultDeadLetterReason : reason))
    case .backspace:
        model.modal = .reason(ReasonPrompt(tasks: prompt.tasks, text: String(prompt.text.dropLast())))
    case .character(let character):
        model.modal = .reason(ReasonPrompt(tasks: prompt.tasks, text: prompt.text + String(character)))
    default:
        break
    }
    return []
}

/// y performs exactly the previewed action (the ids it names), n or Esc cancels; other keys say so.
func answerConfirmation(_ model: inout DashboardModel, _ preview: ActionPreview, _ key: Key) -> [DashboardEffect] {
    switch KeyTable.command(for: key) {
    case .confirm?:
        model.modal = nil
        let waiting = "Asked to \(preview.action.verb); waiting for the database\u{2026}"
        model.say(waiting, lifetime: .untilReplaced)
        model.pendingRequest = PendingRequest(since: model.moment, text: waiting, cancellable: false)
        return [.perform(preview.action)]
    case .cancel?, .escape?, .back?:
        model.modal = nil
        model.say("Cancelled; nothing changed.")
    default:
        model.say("Press \(KeyTable.key(of: .confirm)) to confirm or \(KeyTable.key(of: .cancel)) to cancel.")
    }
    return []
}

/// The P dialog: j and k choose a switch, Enter (or y) asks for its preview, Esc (or n, q) cancels.
func choosePause(_ model: inout DashboardModel, _ menu: PauseMenu, _ key: Key) -> [DashboardEffect] {
    switch KeyTable.command(for: key) {
    case .move(let movement)?:
        var menu = menu
        menu.selected = max(0, min(menu.choices.count - 1, menu.selected + movement.delta(page: 1)))
        model.modal = .pauseMenu(menu)
    case .open?, .confirm?:
        return askPreview(&model, menu.choices[menu.selected])
    case .escape?, .back?, .cancel?:
        model.modal = nil
        model.say("Cancelled; nothing changed.")
    default:
        model.say("\(KeyTable.key(of: .move(.down)))/\(KeyTable.key(of: .move(.up))) choose, "
                  + "\(KeyTable.key(of: .open)) asks to confirm, \(KeyTable.key(of: .escape)) cancels.")
    }
    return []
}

/// The reason a dead-letter gets when the operator just presses Enter.
let defaultDeadLetterReason = "dead-lettered from the dashboard"

// MARK: - Filters

/// Filter words: a status name, ENTRY or EXIT, anything else is trade id text.
/// "failed entry ES-" is FAILED ENTRY tasks whose trade id contains "ES-".
public func parseFilter(_ text: String) -> TaskFilter {
    var filter = TaskFilter()
    var rest: [String] = []
    for word in text.split(separator: " ").map(String.init) {
        let upper = word.uppercased()
        if let status = TaskStatus.known.first(where: { $0.rawValue == upper }) {
            if !filter.statuses.contains(status) { filter.statuses.append(status) }
        } else if upper == "ENTRY" || upper == "EXIT" {
            filter.eventType = EventType(rawValue: upper)
        } else {
            rest.append(word)
        }
    }
    filter.tradeIDContains = rest.isEmpty ? nil : rest.joined(separator: " ")
    return filter
}

/// The text that parses back to `filter`.
func filterText(_ filter: TaskFilter) -> String {
    var words = filter.statuses.map(\.rawValue)
    if let type = filter.eventType { words.append(type.rawValue) }
    if let text = filter.tradeIDContains { words.append(text) }
    return words.joined(separator: " ")
}
