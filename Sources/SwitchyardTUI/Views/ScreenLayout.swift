/// Where each part of the screen goes, worked out from the model alone: `view` draws into these
/// rectangles, and `update` asks them how many rows a list shows and how far a text scrolls, so
/// neither has to draw to measure.
struct ScreenLayout {
    let header: Rect
    /// The offline banner's line, when there is one.
    let banner: Rect?
    /// What the current view draws in.
    let body: Rect
    let status: Rect
    private let size: TerminalSize

    init(model: DashboardModel) {
        size = model.size
        let (header, rest, status) = Rect(size: model.size).splitVertically(top: 1, bottom: 1)
        (self.header, self.status) = (header, status)
        if ScreenDrawer.banner(for: model, glyphs: .ascii) != nil {
            let (line, remainder, _) = rest.splitVertically(top: 1)
            (banner, body) = (line, remainder)
        } else {
            (banner, body) = (nil, rest)
        }
    }

    var panels: DashboardPanelsLayout { DashboardPanelsLayout(body: body, size: size) }

    /// Rows of items `list` shows at once.
    func visibleRows(_ list: DashboardList, model: DashboardModel) -> Int {
        let box: Rect? = switch list {
        case .failedTasks: panels.failed
        case .recentLogs: panels.logs
        case .accountsPanel: panels.accounts
        case .taskList, .schedules, .accounts: body
        case .alerts: AlertsLayout(body: body, rules: model.snapshot?.alerts?.rules.count ?? 0).list
        }
        return SelectableListBox.visibleRows(in: box ?? body, footer: list == .accounts ? AccountsScreen.footer : 0)
    }

    /// Lines a scrolling view (task and account detail, routers, help) shows at once.
    var textRows: Int { max(1, body.height - 2) }

    /// The first line the scrolling view may start at: its last page shows its last line.
    func scrollLimit(_ model: DashboardModel) -> Int {
        let width = body.width - 3
        switch model.view {
        case .taskDetail: return max(0, taskDetailLines(model, width: width, glyphs: .ascii).count - textRows)
        case .accountDetail: return max(0, accountDetailLines(model, width: width, glyphs: .ascii).count - textRows)
        case .help: return max(0, KeyTable.helpLines(readOnly: model.settings.readOnly).count - textRows)
        case .routers: return max(0, (model.snapshot?.routers?.count ?? 0) - 1)
        case .dashboard, .taskList, .accounts, .alerts, .schedules: return 0
        }
    }
}

/// The dashboard's panels: queue and rates on top; the failed tasks, with the accounts beside
/// them from 80 columns; the recent logs underneath when there is room for them. Below 80x23
/// (the compact layout) the accounts and then the logs give way; the queue, its lag, and the
/// header's alerts and router state always stay.
struct DashboardPanelsLayout {
    let queue: Rect
    let rates: Rect
    let failed: Rect
    let accounts: Rect?
    let logs: Rect?
    /// 34 rows and more: taller top panels, with the queue's total.
    let large: Bool

    /// The fewest rows under the top panels that still fit the logs beside the failed tasks.
    static let rowsForLogs = 10

    init(body: Rect, size: TerminalSize) {
        large = size.rows >= 34
        let (top, rest, _) = body.splitVertically(top: large ? 9 : 7)
        let logsFit = rest.height >= Self.rowsForLogs
        let (middle, bottom, _) = rest.splitVertically(top: logsFit ? rest.height / 2 : rest.height)
        (queue, rates) = top.splitHorizontally(left: body.width >= 110 ? 36 : 32)
        if body.width >= 80 {
            let (left, right) = middle.splitHorizontally(left: middle.width - (body.width >= 110 ? 44 : 30))
            (failed, accounts) = (left, right)
        } else {
            (failed, accounts) = (middle, nil)
        }
        logs = logsFit ? bottom : nil
    }

    /// The panels Tab moves between: those shown, in `DashboardPanel`'s order.
    var panels: [DashboardPanel] {
        DashboardPanel.allCases.filter { panel in
            switch panel {
            case .failedTasks: true
            case .recentLogs: logs != nil
            case .accounts: accounts != nil
            }
        }
    }
}

/// The alerts view: the rules, as many rows as there are (at most half the screen), and the
/// selected rule's firing and history underneath.
struct AlertsLayout {
    let list: Rect
    let detail: Rect

    init(body: Rect, rules: Int) {
        let height = min(max(4, rules + 3), max(4, body.height / 2))
        let (list, detail, _) = body.splitVertically(top: height)
        (self.list, self.detail) = (list, detail)
    }
}
