import FoundationEssentials
import SwitchyardEngine

/// Keys, in order: an open text field or dialog takes them first, then `KeyTable` says what
/// the key asks for.
func handleKey(_ model: inout DashboardModel, _ key: Key) -> [DashboardEffect] {
    if model.filterEditor != nil { return editFilter(&model, key) }
    if model.reasonPrompt != nil { return editReason(&model, key) }
    if model.confirmation != nil { return answerConfirmation(&model, key) }
    if model.showsError {
        model.showsError = false   // any key closes it
        return []
    }
    if model.pauseMenu != nil { return choosePause(&model, key) }
    guard let command = KeyTable.command(for: key) else { return [] }
    return run(&model, command)
}

private func run(_ model: inout DashboardModel, _ command: KeyCommand) -> [DashboardEffect] {
    switch command {
    case .back:
        if goBack(&model) { return [] }
        model.quitRequested = true
        return [.quit]
    case .escape:
        if model.awaitingPreview != nil {
            model.awaitingPreview = nil
            model.pendingRequest = nil
            model.status = StatusMessage("Cancelled.")
            return []
        }
        if !goBack(&model) { model.marked = []; model.status = nil }
    case .help:
        return open(&model, .help)
    case .show(.dashboard):
        model.backStack = []
        model.view = .dashboard
        model.scroll = 0
    case .show(let view):
        return open(&model, view)
    case .move(let movement):
        switch movement {
        case .up: move(&model, by: -1)
        case .down: move(&model, by: 1)
        case .pageUp: move(&model, by: -pageSize(model))
        case .pageDown: move(&model, by: pageSize(model))
        case .first: move(&model, by: -1_000_000)
        case .last: move(&model, by: 1_000_000)
        }
    case .nextPanel, .previousPanel:
        guard model.view == .dashboard else { return [] }
        let panels = DashboardPanel.allCases
        let index = panels.firstIndex(of: model.focus) ?? 0
        let step = command == .nextPanel ? 1 : panels.count - 1
        model.focus = panels[(index + step) % panels.count]
    case .open:
        return enter(&model)
    case .editFilter:
        var effects: [DashboardEffect] = []
        if model.view != .taskList { effects = open(&model, .taskList) }
        model.filterEditor = filterText(model.filter)
        return effects
    case .mark:
        guard model.view == .taskList || (model.view == .dashboard && model.focus != .accounts),
              let task = model.currentTask else { return [] }
        if model.marked.contains(task) { model.marked.remove(task) } else { model.marked.insert(task) }
        model.status = StatusMessage("\(model.marked.count) marked; r, d or h act on all of them, Esc clears.")
        move(&model, by: 1)
    case .refresh(let faster):
        return changeRefresh(&model, faster: faster)
    case .change(let change):
        return requestChange(&model, change)
    case .showError:
        if model.lastError == nil {
            model.status = StatusMessage("No error so far.")
        } else {
            model.showsError = true
        }
    case .confirm, .cancel:
        break   // only a dialog answers these
    }
    return []
}

/// Opens a view, remembering where Esc goes back to.
private func open(_ model: inout DashboardModel, _ view: DashboardView) -> [DashboardEffect] {
    guard model.view != view else { return [] }
    model.backStack.append(model.view)
    model.view = view
    model.scroll = 0
    switch view {
    case .taskList:
        model.taskListSelection = 0
        return [.listTasks(model.filter, limit: model.settings.taskListLimit)]
    case .taskDetail(let id):
        if model.taskDetail?.summary.id != id { model.taskDetail = nil }
        return [.loadTaskDetail(id)]
    case .accountDetail(let name):
        if model.accountDetail?.name != name { model.accountDetail = nil }
        return [.loadAccountDetail(name)]
    case .dashboard, .routers, .accounts, .alerts, .schedules, .help:
        return []
    }
}

/// Goes back one view; false at the top level.
private func goBack(_ model: inout DashboardModel) -> Bool {
    guard let previous = model.backStack.popLast() else {
        if model.view == .dashboard { return false }
        model.view = .dashboard
        model.scroll = 0
        return true
    }
    model.view = previous
    model.scroll = 0
    return true
}

private func pageSize(_ model: DashboardModel) -> Int { max(1, model.size.rows - 6) }

private func move(_ model: inout DashboardModel, by delta: Int) {
    func clamp(_ value: Int, _ count: Int) -> Int { max(0, min(value, count - 1)) }
    switch model.view {
    case .dashboard:
        let count = model.rowCount(model.focus)
        model.selection[model.focus] = clamp((model.selection[model.focus] ?? 0) + delta, count)
    case .taskList:
        model.taskListSelection = clamp(model.taskListSelection + delta, model.taskList?.count ?? 0)
    case .taskDetail:
        let lines = taskDetailLines(model, width: model.size.columns - 3, glyphs: .ascii).count
        model.scroll = clamp(model.scroll + delta, max(1, lines - (model.size.rows - 4) + 1))
    case .accountDetail:
        let lines = accountDetailLines(model, width: model.size.columns - 3, glyphs: .ascii).count
        model.scroll = clamp(model.scroll + delta, max(1, lines - (model.size.rows - 4) + 1))
    case .accounts:
        model.accountSelection = clamp(model.accountSelection + delta, model.rowCount(.accounts))
    case .help:
        let lines = KeyTable.helpLines(readOnly: model.settings.readOnly).count
        model.scroll = clamp(model.scroll + delta, max(1, lines - (model.size.rows - 4) + 1))
    case .routers:
        model.scroll = clamp(model.scroll + delta, model.snapshot?.routers?.count ?? 0)
    case .schedules:
        model.scheduleSelection = clamp(model.scheduleSelection + delta, model.snapshot?.schedules?.count ?? 0)
    case .alerts:
        let lines = alertsLines(model, width: model.size.columns - 3, glyphs: .ascii).count
        model.scroll = clamp(model.scroll + delta, max(1, lines - (model.size.rows - 4) + 1))
    }
}

private func enter(_ model: inout DashboardModel) -> [DashboardEffect] {
    if model.view == .accounts || (model.view == .dashboard && model.focus == .accounts) {
        guard let account = model.currentAccount else { return [] }
        return open(&model, .accountDetail(account))
    }
    guard model.view == .dashboard || model.view == .taskList, let task = model.currentTask else { return [] }
    return open(&model, .taskDetail(task))
}

private func changeRefresh(_ model: inout DashboardModel, faster: Bool) -> [DashboardEffect] {
    let steps = DashboardModel.refreshSteps
    let current = model.refreshInterval
    let next: Duration
    if faster {
        next = steps.last(where: { $0 < current }) ?? DashboardModel.refreshFloor
    } else {
        next = steps.first(where: { $0 > current }) ?? steps.last!
    }
    model.refreshInterval = max(next, DashboardModel.refreshFloor)
    model.status = StatusMessage("Refreshing every \(formatInterval(model.refreshInterval)).")
    model.refresh.intervalChanged(to: model.refreshInterval, at: model.uptime)
    return []
}

/// "250 ms", "1 s", "30 s".
func formatInterval(_ duration: Duration) -> String {
    let seconds = duration.seconds
    if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
    if seconds == seconds.rounded() { return "\(Int(seconds)) s" }
    return Format.oneDecimal(seconds) + " s"
}

// MARK: - Text fields and the confirm dialog

private func editFilter(_ model: inout DashboardModel, _ key: Key) -> [DashboardEffect] {
    switch key {
    case .escape:
        model.filterEditor = nil
    case .enter:
        model.filter = parseFilter(model.filterEditor ?? "")
        model.filterEditor = nil
        model.taskListSelection = 0
        model.marked = []
        model.status = StatusMessage("Showing \(model.filter.summary).")
        return [.listTasks(model.filter, limit: model.settings.taskListLimit)]
    case .backspace:
        if model.filterEditor?.isEmpty == false { model.filterEditor?.removeLast() }
    case .character(let character):
        model.filterEditor?.append(character)
    default:
        break
    }
    return []
}

private func editReason(_ model: inout DashboardModel, _ key: Key) -> [DashboardEffect] {
    guard let prompt = model.reasonPrompt else { return [] }
    switch key {
    case .escape:
        model.reasonPrompt = nil
        model.status = StatusMessage("Cancelled.")
    case .enter:
        let reason = prompt.text.trimmed
        model.reasonPrompt = nil
        let action = OperatorAction.deadLetter(prompt.tasks, reason: reason.isEmpty ? defaultDeadLetterReason : reason)
        return askPreview(&model, action)
    case .backspace:
        if !prompt.text.isEmpty { model.reasonPrompt?.text.removeLast() }
    case .character(let character):
        model.reasonPrompt?.text.append(character)
    default:
        break
    }
    return []
}

private func answerConfirmation(_ model: inout DashboardModel, _ key: Key) -> [DashboardEffect] {
    guard let preview = model.confirmation else { return [] }
    switch KeyTable.command(for: key) {
    case .confirm?:
        model.confirmation = nil
        let waiting = "Asked to \(preview.action.verb); waiting for the database…"
        model.status = StatusMessage(waiting)
        model.pendingRequest = PendingRequest(since: model.moment, text: waiting, cancellable: false)
        return [.perform(preview.action)]
    case .cancel?, .escape?, .back?:
        model.confirmation = nil
        model.status = StatusMessage("Cancelled; nothing changed.")
    default:
        model.status = StatusMessage("Press \(KeyTable.key(of: .confirm)) to confirm or \(KeyTable.key(of: .cancel)) to cancel.")
    }
    return []
}

/// The P dialog: j and k choose a switch, Enter (or y) asks for its preview, Esc (or n, q) cancels.
private func choosePause(_ model: inout DashboardModel, _ key: Key) -> [DashboardEffect] {
    guard let menu = model.pauseMenu else { return [] }
    switch KeyTable.command(for: key) {
    case .move(let movement)?:
        let step = switch movement {
        case .up, .pageUp: -1
        case .down, .pageDown: 1
        case .first: -menu.choices.count
        case .last: menu.choices.count
        }
        model.pauseMenu?.selected = max(0, min(menu.choices.count - 1, menu.selected + step))
    case .open?, .confirm?:
        model.pauseMenu = nil
        return askPreview(&model, menu.choices[menu.selected])
    case .escape?, .back?, .cancel?:
        model.pauseMenu = nil
        model.status = StatusMessage("Cancelled; nothing changed.")
    default:
        model.status = StatusMessage("\(KeyTable.key(of: .move(.down)))/\(KeyTable.key(of: .move(.up))) choose, "
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
