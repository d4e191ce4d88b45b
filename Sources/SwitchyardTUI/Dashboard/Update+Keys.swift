import FoundationEssentials
import SwitchyardEngine

/// Keys, in order: below the smallest size only q acts; an open dialog or text field takes them
/// next (the `Modal`); then `KeyTable` says what the key asks for.
func handleKey(_ model: inout DashboardModel, _ key: Key) -> [DashboardEffect] {
    guard model.size.isLargeEnough else {
        // Nothing on screen says what a key would do: only q (and Ctrl-C, a signal) acts.
        guard key == .character("q") else { return [] }
        model.quitRequested = true
        return [.quit]
    }
    switch model.modal {
    case .filter(let text)?: return editFilter(&model, text, key)
    case .reason(let prompt)?: return editReason(&model, prompt, key)
    case .confirm(let preview)?: return answerConfirmation(&model, preview, key)
    case .pauseMenu(let menu)?: return choosePause(&model, menu, key)
    case .message?:
        model.modal = nil   // any key closes it
        return []
    case .awaitingPreview?, nil:
        break
    }
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
        if case .awaitingPreview? = model.modal {
            model.modal = nil
            model.pendingRequest = nil
            model.say("Cancelled; nothing changed.")
        } else if !model.marked.isEmpty {
            model.say("Cleared \(model.marked.count) mark\(model.marked.count == 1 ? "" : "s"); nothing changed.")
            model.marked = []
        } else if !goBack(&model) {
            model.status = nil
        }
    case .help:
        return open(&model, .help)
    case .show(.dashboard):
        model.backStack = []
        model.view = .dashboard
        model.scroll = 0
    case .show(let view):
        return open(&model, view)
    case .move(let movement):
        move(&model, movement)
    case .nextPanel, .previousPanel:
        guard model.view == .dashboard else { return [] }
        let panels = ScreenLayout(model: model).panels.panels
        let index = panels.firstIndex(of: model.focus) ?? 0
        let step = command == .nextPanel ? 1 : panels.count - 1
        model.focus = panels[(index + step) % panels.count]
    case .open:
        return enter(&model)
    case .editFilter:
        guard !isAwaitingPreview(&model) else { return [] }
        var effects: [DashboardEffect] = []
        if model.view != .taskList { effects = open(&model, .taskList) }
        model.modal = .filter(filterText(model.filter))
        return effects
    case .mark:
        mark(&model)
    case .refresh(let faster):
        return changeRefresh(&model, faster: faster)
    case .change(let change):
        return requestChange(&model, change)
    case .showMessage:
        guard !isAwaitingPreview(&model) else { return [] }
        if let message = model.messageToOpen {
            model.modal = .message(message)
        } else {
            model.say("No message or error so far.")
        }
    case .confirm, .cancel:
        break   // only a dialog answers these
    }
    return []
}

/// True, with the reason on the status line, while a preview is on its way: a dialog opened now
/// would be closed by its confirmation.
func isAwaitingPreview(_ model: inout DashboardModel) -> Bool {
    guard case .awaitingPreview(let action)? = model.modal else { return false }
    model.say("Still waiting for what \(action.verb) would touch; Esc cancels it.")
    return true
}

/// Space: marks the task under the cursor (or unmarks it) and moves down.
private func mark(_ model: inout DashboardModel) {
    guard model.view == .taskList || (model.view == .dashboard && model.focus != .accounts),
          let task = model.currentTask else { return }
    guard changesAllowed(&model, "marking tasks for r, d and h (\(KeyTable.key(of: .mark)))") else { return }
    if model.marked.contains(task) { model.marked.remove(task) } else { model.marked.insert(task) }
    let count = model.marked.count
    model.say(count == 0 ? "No task marked."
              : "\(count) marked; r, d or h act on all of them, \(KeyTable.key(of: .escape)) clears the marks.")
    move(&model, .down)
}

/// Opens a view, remembering where Esc goes back to.
private func open(_ model: inout DashboardModel, _ view: DashboardView) -> [DashboardEffect] {
    guard model.view != view else { return [] }
    model.backStack.append(model.view)
    model.view = view
    model.scroll = 0
    switch view {
    case .taskList:
        model.cursors.taskList = ListCursor()
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

/// Enter: the account or the task under the cursor, which the cursor then stays on.
private func enter(_ model: inout DashboardModel) -> [DashboardEffect] {
    if let account = model.currentAccount {
        chooseCurrent(&model)
        return open(&model, .accountDetail(account))
    }
    guard model.view == .dashboard || model.view == .taskList, let task = model.currentTask else { return [] }
    chooseCurrent(&model)
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
    model.say("Refreshing every \(TimeSpan.format(model.refreshInterval)).")
    model.refresh.intervalChanged(to: model.refreshInterval, at: model.uptime)
    return []
}
