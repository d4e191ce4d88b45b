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
        noticeWaits(&model)
        return refreshIfDue(&model)
    case .databaseChanged:
        model.refresh.databaseChanged(at: model.uptime)
        return refreshIfDue(&model)
    case .snapshotLoaded(let snapshot, let at):
        model.snapshot = snapshot.keepingEarlierParts(from: model.snapshot)
        model.snapshotReceivedAt = at
        model.now = max(model.now, at)
        model.connection = .connected
        clampSelections(&model)
        return snapshotAnswered(&model)
    case .snapshotFailed(let reason, let at):
        model.now = max(model.now, at)
        let error = ErrorReport(reason, at: at)
        model.lastError = error
        if case .disconnected(let since, _) = model.connection {
            model.connection = .disconnected(since: since, lastError: error.summary)
        } else {
            model.connection = .disconnected(since: at, lastError: error.summary)
        }
        return snapshotAnswered(&model)
    case .snapshotUnanswered(let reason, let at):
        model.now = max(model.now, at)
        model.lastError = ErrorReport(reason, at: at)
        if case .noAnswer = model.connection {} else {
            model.connection = .noAnswer(since: model.refresh.outstanding ?? Moment(date: at, uptime: model.uptime))
        }
        return snapshotAnswered(&model)
    case .taskListLoaded(let tasks):
        model.taskList = tasks
        model.taskListSelection = min(model.taskListSelection, max(0, tasks.count - 1))
    case .taskDetailLoaded(let detail):
        if case .taskDetail(let id) = model.view, id == detail.summary.id {
            model.taskDetail = detail
        }
    case .accountDetailLoaded(let detail):
        if case .accountDetail(let name) = model.view, name == detail.name {
            model.accountDetail = detail
        }
    case .loadFailed(let reason):
        showError(&model, ErrorReport(reason, context: "Could not read from the database: ", at: model.now))
    case .previewLoaded(let preview):
        guard model.awaitingPreview == preview.action else { break }
        model.awaitingPreview = nil
        model.pendingRequest = nil
        model.confirmation = preview
        model.status = nil
    case .actionCompleted(let report):
        model.pendingRequest = nil
        model.status = StatusMessage(report.summary)
        model.marked.subtract(report.changed)
        model.refresh.readSoon(at: model.uptime)
        return refreshIfDue(&model)
    case .actionFailed(let reason):
        model.awaitingPreview = nil
        model.pendingRequest = nil
        showError(&model, ErrorReport(reason, context: "Nothing changed: ", at: model.now))
    case .actionUnanswered(let reason):
        model.pendingRequest = nil
        showError(&model, ErrorReport(reason + "\n" + unansweredChangeAdvice, context: "Not known whether it was done: ",
                                      at: model.now))
    case .routerStatusChanged(let status):
        model.routerStatus = status
    case .resized(let size):
        model.size = size
    case .interrupted:
        model.quitRequested = true
        return [.quit]
    }
    return []
}

/// Puts an error's first line on the status line and keeps all of it for `e`.
func showError(_ model: inout DashboardModel, _ error: ErrorReport) {
    model.lastError = error
    model.status = StatusMessage(error.summary, isError: true)
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

private func clampSelections(_ model: inout DashboardModel) {
    for panel in DashboardPanel.allCases {
        let count = model.rowCount(panel)
        model.selection[panel] = min(model.selection[panel] ?? 0, max(0, count - 1))
    }
    model.scheduleSelection = min(model.scheduleSelection, max(0, (model.snapshot?.schedules?.count ?? 0) - 1))
    model.accountSelection = min(model.accountSelection, max(0, model.rowCount(.accounts) - 1))
}

extension DashboardModel {
    /// Rows a dashboard panel lists.
    func rowCount(_ panel: DashboardPanel) -> Int {
        switch panel {
        case .failedTasks: snapshot?.failedTasks?.count ?? 0
        case .recentLogs: snapshot?.recentLogs?.count ?? 0
        case .accounts: snapshot?.accounts?.count ?? 0
        }
    }

    /// The account under the cursor: in the accounts view, or the dashboard's accounts panel.
    var currentAccount: String? {
        let index = view == .accounts ? accountSelection : (selection[.accounts] ?? 0)
        guard let accounts = snapshot?.accounts, accounts.indices.contains(index) else { return nil }
        return accounts[index].name
    }

    /// The task the cursor is on, in whichever view shows tasks.
    public var currentTask: TaskID? {
        switch view {
        case .taskDetail(let id):
            return id
        case .taskList:
            guard let tasks = taskList, tasks.indices.contains(taskListSelection) else { return nil }
            return tasks[taskListSelection].id
        case .dashboard:
            let index = selection[focus] ?? 0
            switch focus {
            case .failedTasks:
                guard let tasks = snapshot?.failedTasks, tasks.indices.contains(index) else { return nil }
                return tasks[index].id
            case .recentLogs:
                guard let logs = snapshot?.recentLogs, logs.indices.contains(index) else { return nil }
                return logs[index].taskID
            case .accounts:
                return nil
            }
        case .routers, .accounts, .accountDetail, .alerts, .schedules, .help:
            return nil
        }
    }

    /// The schedule the cursor is on in the schedules view.
    public var currentSchedule: Schedule? {
        guard view == .schedules, let schedules = snapshot?.schedules, schedules.indices.contains(scheduleSelection) else {
            return nil
        }
        return schedules[scheduleSelection]
    }

    /// Marked tasks when any, else the task under the cursor.
    public var targetTasks: [TaskID] {
        if !marked.isEmpty { return marked.sorted() }
        return currentTask.map { [$0] } ?? []
    }

    /// The status of a task as far as the screen knows it.
    func knownStatus(of id: TaskID) -> TaskStatus? {
        if taskDetail?.summary.id == id { return taskDetail?.summary.status }
        let lists = [taskList, snapshot?.failedTasks, snapshot?.heldTasks, snapshot?.deadTasks]
        for list in lists {
            if let task = list?.first(where: { $0.id == id }) { return task.status }
        }
        return snapshot?.recentLogs?.first { $0.taskID == id && $0.taskStatus != nil }?.taskStatus
    }
}
