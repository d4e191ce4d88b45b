import FoundationEssentials
import SwitchyardEngine

/// The lists on screen, each with a cursor of its own.
public enum DashboardList: Hashable, Sendable, CaseIterable {
    case failedTasks, recentLogs, accountsPanel, taskList, accounts, alerts, schedules

    /// How the status line names the list: "Task #1042 left the failed tasks".
    var title: String {
        switch self {
        case .failedTasks: "the failed tasks"
        case .recentLogs: "the recent logs"
        case .accountsPanel, .accounts: "the accounts"
        case .taskList: "the task list"
        case .alerts: "the alert rules"
        case .schedules: "the schedules"
        }
    }
}

/// Every list's cursor, each keyed by what identifies a row of that list.
public struct ListCursors: Equatable, Sendable {
    public var failedTasks = ListCursor<TaskID>()
    /// Keyed by the audit row's id.
    public var recentLogs = ListCursor<Int>()
    /// Keyed by account name, in the dashboard's panel and in the accounts view.
    public var accountsPanel = ListCursor<String>()
    public var accounts = ListCursor<String>()
    public var taskList = ListCursor<TaskID>()
    /// Keyed by the rule's id.
    public var alerts = ListCursor<Int>()
    /// Keyed by the schedule's name.
    public var schedules = ListCursor<String>()
}

/// How the status line names a list's items: "task #1042", "schedule es-hourly".
struct ItemNaming<ID> {
    var name: (ID) -> String
    /// The name of an item that left, with what became of it when known ("task #1042 (now PENDING)").
    var departed: (ID) -> String
}

/// Work on one list's cursor, given the ids the list shows now; `DashboardModel.visit` hands it
/// each list's cursor with that list's id type.
protocol CursorVisitor {
    mutating func visit<ID: Hashable & Sendable>(_ cursor: inout ListCursor<ID>, ids: [ID], visibleRows: Int,
                                                  naming: ItemNaming<ID>)
}

extension DashboardModel {
    /// The list the cursor keys move in the current view: on the dashboard, the focused panel's.
    var activeList: DashboardList? {
        switch view {
        case .dashboard:
            switch focus {
            case .failedTasks: .failedTasks
            case .recentLogs: .recentLogs
            case .accounts: .accountsPanel
            }
        case .taskList: .taskList
        case .accounts: .accounts
        case .alerts: .alerts
        case .schedules: .schedules
        case .taskDetail, .accountDetail, .routers, .help: nil
        }
    }

    /// Hands `list`'s cursor to `visitor` with the ids the list shows; nothing happens while the
    /// list has not been read. `previous` is the snapshot before the one just loaded, for naming
    /// items that left with it.
    mutating func visit(_ list: DashboardList, previous: DashboardSnapshot? = nil, _ visitor: inout some CursorVisitor) {
        let rows = ScreenLayout(model: self).visibleRows(list, model: self)
        let model = self
        let tasks = ItemNaming<TaskID>(name: { "task \($0)" }, departed: { id in
            "Task \(id)" + (model.snapshotStatus(of: id).map { " (now \($0.rawValue))" } ?? "")
        })
        let accounts = ItemNaming<String>(name: { "account \($0)" }, departed: { "Account \($0)" })
        switch list {
        case .failedTasks:
            guard let ids = snapshot?.failedTasks?.map(\.id) else { return }
            visitor.visit(&cursors.failedTasks, ids: ids, visibleRows: rows, naming: tasks)
        case .recentLogs:
            guard let ids = snapshot?.recentLogs?.map(\.id) else { return }
            visitor.visit(&cursors.recentLogs, ids: ids, visibleRows: rows,
                          naming: ItemNaming(name: { "log row \($0)" }, departed: { "Log row \($0)" }))
        case .accountsPanel:
            guard let ids = snapshot?.accounts?.map(\.name) else { return }
            visitor.visit(&cursors.accountsPanel, ids: ids, visibleRows: rows, naming: accounts)
        case .accounts:
            guard let ids = snapshot?.accounts?.map(\.name) else { return }
            visitor.visit(&cursors.accounts, ids: ids, visibleRows: rows, naming: accounts)
        case .taskList:
            guard let ids = taskList?.map(\.id) else { return }
            visitor.visit(&cursors.taskList, ids: ids, visibleRows: rows, naming: tasks)
        case .alerts:
            guard let ids = snapshot?.alerts?.rules.map(\.id) else { return }
            let rules = (snapshot?.alerts?.rules ?? []) + (previous?.alerts?.rules ?? [])
            func rule(_ id: Int) -> String { rules.first { $0.id == id }?.name ?? "#\(id)" }
            visitor.visit(&cursors.alerts, ids: ids, visibleRows: rows,
                          naming: ItemNaming(name: { "rule \(rule($0))" }, departed: { "Rule \(rule($0))" }))
        case .schedules:
            guard let ids = snapshot?.schedules?.map(\.name) else { return }
            visitor.visit(&cursors.schedules, ids: ids, visibleRows: rows,
                          naming: ItemNaming(name: { "schedule \($0)" }, departed: { "Schedule \($0)" }))
        }
    }

    /// The task the cursor is on, in whichever view shows tasks.
    public var currentTask: TaskID? {
        switch view {
        case .taskDetail(let id):
            return id
        case .taskList:
            return taskList.flatMap { cursors.taskList.current(in: $0.map(\.id)) }
        case .dashboard:
            switch focus {
            case .failedTasks:
                return snapshot?.failedTasks.flatMap { cursors.failedTasks.current(in: $0.map(\.id)) }
            case .recentLogs:
                guard let logs = snapshot?.recentLogs, let id = cursors.recentLogs.current(in: logs.map(\.id)) else {
                    return nil
                }
                return logs.first { $0.id == id }?.taskID
            case .accounts:
                return nil
            }
        case .routers, .accounts, .accountDetail, .alerts, .schedules, .help:
            return nil
        }
    }

    /// The account under the cursor: in the accounts view, or the dashboard's accounts panel.
    var currentAccount: String? {
        guard let names = snapshot?.accounts?.map(\.name) else { return nil }
        switch activeList {
        case .accounts?: return cursors.accounts.current(in: names)
        case .accountsPanel?: return cursors.accountsPanel.current(in: names)
        default: return nil
        }
    }

    /// The schedule the cursor is on in the schedules view.
    public var currentSchedule: Schedule? {
        guard view == .schedules, let schedules = snapshot?.schedules,
              let name = cursors.schedules.current(in: schedules.map(\.name)) else { return nil }
        return schedules.first { $0.name == name }
    }

    /// The alert rule the cursor is on in the alerts view (any view: the view draws its detail).
    var currentAlertRule: AlertRuleSummary? {
        guard let rules = snapshot?.alerts?.rules, let id = cursors.alerts.current(in: rules.map(\.id)) else { return nil }
        return rules.first { $0.id == id }
    }

    /// Marked tasks when any, else the task under the cursor.
    public var targetTasks: [TaskID] {
        if !marked.isEmpty { return marked.sorted() }
        return currentTask.map { [$0] } ?? []
    }

    /// A task's status as the latest snapshot says it (the dead and held lists, then the status a
    /// log row's task had when read); nil when it does not say.
    func snapshotStatus(of id: TaskID) -> TaskStatus? {
        for list in [snapshot?.failedTasks, snapshot?.heldTasks, snapshot?.deadTasks] {
            if let task = list?.first(where: { $0.id == id }) { return task.status }
        }
        return snapshot?.recentLogs?.first { $0.taskID == id && $0.taskStatus != nil }?.taskStatus
    }

    /// The status of a task as far as the screen knows it.
    func knownStatus(of id: TaskID) -> TaskStatus? {
        if taskDetail?.summary.id == id { return taskDetail?.summary.status }
        if let task = taskList?.first(where: { $0.id == id }) { return task.status }
        return snapshotStatus(of: id)
    }
}
