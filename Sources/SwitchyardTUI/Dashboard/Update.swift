import FoundationEssentials
import SwitchyardEngine

/// Applies one message to the model and returns the work to do. No I/O, no clock reads:
/// time arrives in messages.
public func update(_ model: inout DashboardModel, _ message: DashboardMessage) -> [DashboardEffect] {
    switch message {
    case .key(let key):
        return handleKey(&model, key)
    case .tick(let now):
        model.now = now
        if let status = model.status, !status.isCurrent(at: now) { model.status = nil }
        return refreshEffects(model)
    case .snapshotLoaded(let snapshot, let at):
        let previous = model.snapshot
        let merged = snapshot.keepingEarlierParts(from: previous)
        model.snapshot = merged
        model.snapshotReceivedAt = at
        model.now = max(model.now, at)
        model.connection = .connected
        model.status = model.status.flatMap { $0.after(merged) }
        keepFocusShown(&model)
        reconcile(&model, [.failedTasks, .recentLogs, .accountsPanel, .accounts, .alerts, .schedules], previous: previous)
    case .snapshotFailed(let reason, let at):
        model.now = max(model.now, at)
        let error = StatusMessage(reason, isError: true, at: at, lifetime: .untilConnected)
        model.lastError = error
        if case .disconnected(let since, _) = model.connection {
            model.connection = .disconnected(since: since, lastError: error.text)
        } else {
            model.connection = .disconnected(since: at, lastError: error.text)
        }
        // An error on the status line now is about the database not answering, as far as the
        // screen can tell: it goes when the database answers again.
        if model.status?.isError == true { model.status?.lifetime = .untilConnected }
    case .taskListLoaded(let tasks):
        model.taskList = tasks
        reconcile(&model, [.taskList])
    case .taskDetailLoaded(let detail):
        if case .taskDetail(let id) = model.view, id == detail.summary.id {
            model.taskDetail = detail
        }
    case .accountDetailLoaded(let detail):
        if case .accountDetail(let name) = model.view, name == detail.name {
            model.accountDetail = detail
        }
    case .loadFailed(let reason):
        model.showError(reason, context: "Could not read from the database: ")
    case .previewLoaded(let preview):
        guard model.modal == .awaitingPreview(preview.action) else { break }
        model.modal = .confirm(preview)
        model.status = nil
    case .actionCompleted(let report):
        // A switch's message stays while the switch is as it says; a task action's is a plain confirmation.
        let lifetime = StateClaim(after: report.action).map { StatusMessage.Lifetime.whileTrue($0, seen: false) } ?? .brief
        model.say(report.summary, lifetime: lifetime)
        model.marked.subtract(report.changed)
        return refreshEffects(model)
    case .actionFailed(let reason):
        if case .awaitingPreview? = model.modal { model.modal = nil }
        model.showError(reason, context: "Nothing changed: ")
    case .routerStatusChanged(let status):
        model.routerStatus = status
    case .resized(let size):
        model.size = size
        keepFocusShown(&model)
        reconcile(&model, DashboardList.allCases)
    case .interrupted:
        model.quitRequested = true
        return [.quit]
    }
    return []
}

/// Moves the focus off a panel the layout no longer shows (a smaller terminal).
private func keepFocusShown(_ model: inout DashboardModel) {
    let shown = ScreenLayout(model: model).panels.panels
    if !shown.contains(model.focus) { model.focus = shown.first ?? .failedTasks }
}

/// What one refresh reads: the snapshot, plus the list or detail being looked at.
func refreshEffects(_ model: DashboardModel) -> [DashboardEffect] {
    var effects: [DashboardEffect] = [.loadSnapshot(model.filter)]
    switch model.view {
    case .taskList: effects.append(.listTasks(model.filter, limit: model.settings.taskListLimit))
    case .taskDetail(let id): effects.append(.loadTaskDetail(id))
    case .accountDetail(let name): effects.append(.loadAccountDetail(name))
    case .dashboard, .routers, .accounts, .alerts, .schedules, .help: break
    }
    return effects
}
