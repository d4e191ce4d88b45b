import SwitchyardEngine

/// Moves a cursor by rows, choosing the item it lands on.
private struct Move: CursorVisitor {
    let delta: Int
    func visit<ID: Hashable & Sendable>(_ cursor: inout ListCursor<ID>, ids: [ID], visibleRows: Int,
                                        naming: ItemNaming<ID>) {
        cursor.move(by: delta, in: ids, visibleRows: visibleRows)
    }
}

/// Chooses the item under a cursor, so the cursor stays on it whatever moves next.
private struct Choose: CursorVisitor {
    func visit<ID: Hashable & Sendable>(_ cursor: inout ListCursor<ID>, ids: [ID], visibleRows: Int,
                                        naming: ItemNaming<ID>) {
        if let id = cursor.current(in: ids) { cursor.choose(id, in: ids, visibleRows: visibleRows) }
    }
}

/// Keeps a cursor on its item after new rows arrived (or the list's room changed), and says
/// which item left, when one did.
private struct Reconcile: CursorVisitor {
    let list: DashboardList
    var note: String?
    mutating func visit<ID: Hashable & Sendable>(_ cursor: inout ListCursor<ID>, ids: [ID], visibleRows: Int,
                                                 naming: ItemNaming<ID>) {
        guard let left = cursor.reconcile(with: ids, visibleRows: visibleRows) else { return }
        let now = cursor.current(in: ids).map { "; the cursor is on \(naming.name($0))" } ?? ""
        note = "\(naming.departed(left)) left \(list.title)\(now)."
    }
}

extension KeyCommand.Movement {
    /// Rows to move, `page` rows a page; the ends are far enough to reach any row.
    func delta(page: Int) -> Int {
        switch self {
        case .up: -1
        case .down: 1
        case .pageUp: -page
        case .pageDown: page
        case .first: -1_000_000
        case .last: 1_000_000
        }
    }
}

/// j, k and the other moves: the active list's cursor, else the scrolling view's first line.
func move(_ model: inout DashboardModel, _ movement: KeyCommand.Movement) {
    let layout = ScreenLayout(model: model)
    if let list = model.activeList {
        var visitor = Move(delta: movement.delta(page: layout.visibleRows(list, model: model)))
        model.visit(list, &visitor)
    } else {
        model.scroll = max(0, min(layout.scrollLimit(model), model.scroll + movement.delta(page: layout.textRows)))
    }
}

/// The operator acts on the item under the active list's cursor: the cursor stays on it now.
func chooseCurrent(_ model: inout DashboardModel) {
    guard let list = model.activeList else { return }
    var visitor = Choose()
    model.visit(list, &visitor)
}

/// After `lists` got new rows (or the screen's size changed): every cursor stays on its item;
/// when the one the operator is looking at lost its item, the status line says so.
func reconcile(_ model: inout DashboardModel, _ lists: [DashboardList], previous: DashboardSnapshot? = nil) {
    for list in lists {
        var visitor = Reconcile(list: list)
        model.visit(list, previous: previous, &visitor)
        if let note = visitor.note, list == model.activeList { model.addNote(note) }
    }
}

extension DashboardModel {
    /// Puts `text` on the status line; a plain confirmation unless `lifetime` says otherwise.
    mutating func say(_ text: String, lifetime: StatusMessage.Lifetime = .brief) {
        status = StatusMessage(text, at: now, lifetime: lifetime)
    }

    /// Puts an error's first line on the status line and keeps all of it for `e`. While the
    /// database does not answer, the error goes when it answers again.
    mutating func showError(_ description: String, context: String) {
        let lifetime: StatusMessage.Lifetime = connection == .connected ? .untilReplaced : .untilConnected
        let error = StatusMessage(description, context: context, isError: true, at: now, lifetime: lifetime)
        lastError = error
        status = error
    }

    /// Adds `note` after a plain confirmation ("Retried 1 task. Task #1042 left ..."), else
    /// shows it alone.
    mutating func addNote(_ note: String) {
        if var current = status, !current.isError, current.lifetime == .brief {
            current.text += " " + note
            current.at = now
            status = current
        } else {
            say(note)
        }
    }

    /// What `e` opens: an error on the status line, else the offline banner's error, else
    /// whatever the status line says, else the last error.
    var messageToOpen: StatusMessage? {
        if let status, status.isError { return status }
        if case .disconnected = connection, let lastError { return lastError }
        return status ?? lastError
    }

    /// False in observer mode, and for a per-account observer's role whatever the flags.
    var mayChange: Bool { !settings.readOnly && snapshot?.observedAccounts == nil }
}
