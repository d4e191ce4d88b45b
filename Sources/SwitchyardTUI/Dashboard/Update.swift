import FoundationEssentials
import SwitchyardEngine

/// Applies one message to the model and returns the work to do. No I/O, no clock reads:
/// time arrives in messages.
public func update(_ model: inout DashboardModel, _ message: DashboardMessage) -> [DashboardEffect] {
    switch message {
    case .key(let key):
        return handleKey(&model, key)
    case .tick(let now, let uptime):
        model.now = now
        model.uptime = max(model.uptime, uptime)
        if let status = model.status, !status.isCurrent(at: now) { model.status = nil }
        noticeWaits(&model)
        return refreshIfDue(&model)
    case .databaseChanged:
        model.refresh.databaseChanged(at: model.uptime)
        return refreshIfDue(&model)
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
        return snapshotAnswered(&model)
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
        return snapshotAnswered(&model)
    case .snapshotUnanswered(let reason, let at):
        model.now = max(model.now, at)
        model.lastError = StatusMessage(reason, isError: true, at: at, lifetime: .untilConnected)
        if case .noAnswer = model.connection {} else {
            model.connection = .noAnswer(since: model.refresh.outstanding ?? Moment(date: at, uptime: model.uptime))
        }
        return snapshotAnswered(&model)
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
        model.pendingRequest = nil
        model.status = nil
    case .actionCompleted(let report):
        model.pendingRequest = nil
        // A switch's message stays while the switch is as it says; a task action's is a plain confirmation.
        let lifetime = StateClaim(after: report.action).map { StatusMessage.Lifetime.whileTrue($0, seen: false) } ?? .brief
        model.say(report.summary, lifetime: lifetime)
        model.marked.subtract(report.changed)
        model.refresh.readSoon(at: model.uptime)
        return refreshIfDue(&model)
    case .actionFailed(let reason):
        if case .awaitingPreview? = model.modal { model.modal = nil }
        model.pendingRequest = nil
        model.showError(reason, context: "Nothing changed: ")
    case .actionUnanswered(let reason):
        model.pendingRequest = nil
        model.showError(reason + "\n" + unansweredChangeAdvice, context: "Not known whether it was done: ")
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

/// What one refresh reads besides the snapshot: the list or detail being looked at.
func detailEffects(_ model: DashboardModel) -> [DashboardEffect] {
    switch model.view {
    case .taskList: [.listTasks(model.filter, limit: model.settings.taskListLimit)]
    case .taskDetail(let id): [.loadTaskDetail(id)]
    case .accountDetail(let name): [.loadAccountDetail(name)]
    case .dashboard, .routers, .accounts, .alerts, .schedules, .help: []
    }
}
