import FoundationEssentials
import SwitchyardEngine

/// Columns of the dashboard's accounts panel; wider panels add latency and the last refusal's age.
/// The name takes what the figures leave, shortened so that different names stay different.
struct AccountColumns {
    private let layout: TableLayout
    private let names: DistinctNames

    /// `names`: every account the panel lists.
    init(width: Int, names: [String], ellipsis: Character) {
        let wide = width >= 36
        layout = TableLayout(width: width, [.rest(minimum: 6), .fixed(5), .fixed(4), .fixed(3), .fixed(6, shown: wide),
                                            .fixed(7, shown: wide)])
        self.names = DistinctNames(names, width: layout.widths[0] ?? 0, ellipsis: ellipsis)
    }

    func header(_ glyphs: Glyphs) -> String {
        layout.row(["account", "   ok", " ref", "pos", " lat", "refused"], ellipsis: glyphs.ellipsis)
    }

    func row(_ account: AccountFigures, now: Date, glyphs: Glyphs) -> String {
        layout.row([names[account.name], Format.compactCount(account.acceptedLastHour).leftPadded(to: 5),
                    Format.compactCount(account.refusedLastHour).leftPadded(to: 4),
                    "\(account.openPositions)".leftPadded(to: 3), account.latencyText.leftPadded(to: 6),
                    account.lastRefusal.map { Format.age(now.timeIntervalSince($0.at)) + " ago" } ?? "-"],
                   ellipsis: glyphs.ellipsis)
    }
}

extension AccountFigures {
    /// Before the name in the panel: blank when enabled in the accounts file, "-" when disabled
    /// there, "?" when not in it (seen in the data only). The accounts view spells it out.
    var marker: String {
        switch enabled {
        case true?: " "
        case false?: "-"
        case nil: "?"
        }
    }

    var stateWord: String {
        switch enabled {
        case true? where live != nil: "live"
        case true?: "enabled"
        case false?: "disabled"
        case nil: "seen"
        }
    }

    /// "12ms", "-" without orders in the hour.
    var latencyText: String {
        averageLatencyMilliseconds.map { $0 < 10 ? Format.oneDecimal($0) + "ms" : "\(Int($0.rounded()))ms" } ?? "-"
    }

    var role: StyleRole {
        if refusedLastHour > 0 { return .warning }
        return enabled == true ? .normal : .muted
    }
}

extension AccountFigures.Live {
    /// "live: 3 contracts open, 12 orders, realised -450.00 on 2026-11-23 (America/New_York)": the
    /// figures first, so a narrow screen clips the zone, not them.
    var summary: String {
        "live: \(openContracts) contract\(openContracts == 1 ? "" : "s") open, "
            + "\(Format.count(ordersToday)) order\(ordersToday == 1 ? "" : "s"), realised "
            + (realisedToday.map { ($0 > 0 ? "+" : "") + decimalText($0, places: 2) } ?? "unknown")
            + " on \(tradingDay) (\(timeZone))"
    }
}

/// The accounts view (key 4): one line per account with its per-minute chart, and the selected
/// account's last refusal underneath.
struct AccountsScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    /// Lines under the list: the selected account's last refusal, its live figures, and its open
    /// positions, under a blank line.
    static let footer = 4

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let accounts = model.snapshot?.accounts ?? []
        let now = model.snapshot?.takenAt ?? model.now
        // The figures' columns, then the per-minute chart in what they leave (an hour at most).
        let layout = TableLayout(width: body.width - 3, [.fixed(16), .fixed(8), .fixed(8), .fixed(7), .fixed(7), .fixed(5),
                                                          .rest(minimum: 0, maximum: 60)])
        let chartWidth = layout.widths[6] ?? 0
        let figuresWidth = layout.widths.prefix(6).compactMap { $0 }.reduce(0, +) + 5
        let stale = model.snapshot?.isStale(.accounts) == true
            ? " (stale: \(model.snapshot?.unavailable["accounts"] ?? ""))" : ""
        // The six figures' columns; the chart is drawn after them.
        func columns(_ parts: [String]) -> String { layout.row(parts, ellipsis: glyphs.ellipsis) }
        let names = DistinctNames(accounts.map(\.name), width: layout.widths[0] ?? 0, ellipsis: glyphs.ellipsis)
        let list = SelectableListBox(
            title: "Accounts: orders in the last hour, per minute over the last \(chartWidth) min" + stale, focused: true,
            header: columns(["account", "state", "accepted", "refused", "latency", "open"]) + " "
                + "per minute (x: refused)".clipped(to: chartWidth, ellipsis: glyphs.ellipsis),
            empty: "no account configured or seen in the last hour", footer: Self.footer)
        let inner = list.draw(accounts.map(\.name), cursor: model.cursors.accounts, in: body,
                              missing: model.missingReason(.accounts, glyphs: glyphs), into: &buffer, glyphs: glyphs,
                              row: { index in
            let account = accounts[index]
            return (columns([names[account.name], account.stateWord, Format.count(account.acceptedLastHour).leftPadded(to: 8),
                             Format.count(account.refusedLastHour).leftPadded(to: 7), account.latencyText.leftPadded(to: 7),
                             "\(account.openPositions)".leftPadded(to: 5)]), account.role)
        }, decorate: { index, line, buffer in
            drawChart(accounts[index], width: chartWidth, column: line.column + 1 + figuresWidth + 1, row: line.row,
                      into: &buffer)
        })
        guard model.missingReason(.accounts, glyphs: glyphs) == nil,
              let name = model.cursors.accounts.current(in: accounts.map(\.name)),
              let account = accounts.first(where: { $0.name == name }) else { return }
        var lines = [account.name + ": " + (account.lastRefusal.map { refusal in
            "last refusal \(Format.age(now.timeIntervalSince(refusal.at))) ago (task \(refusal.taskID)): "
                + (refusal.message ?? "")
        } ?? "no refusal in the audit trail")]
        if let live = account.live { lines.append(live.summary) }
        lines.append("\(account.openPositions) open position\(account.openPositions == 1 ? "" : "s"); Enter lists them "
                     + "and the account's recent attempts.")
        // From the bottom up, so the blank line above them stays.
        for (index, line) in lines.enumerated() {
            buffer.line(" " + line, in: inner, row: inner.height - lines.count + index,
                        role: index == 0 && account.lastRefusal != nil ? .warning : .muted, glyphs: glyphs)
        }
    }

    /// One cell per minute, newest on the right: a bar scaled to the account's busiest minute,
    /// or `x` where the account refused an order, so refusals show without colour too.
    private func drawChart(_ account: AccountFigures, width: Int, column: Int, row: Int, into buffer: inout CellBuffer) {
        guard width > 0 else { return }
        let minutes = account.minutes.suffix(width)
        let peak = max(1, minutes.map(\.accepted).max() ?? 0)
        for (index, minute) in minutes.enumerated() {
            if minute.refused > 0 {
                buffer.write("x", column: column + index, row: row, role: .chartFailed)
                continue
            }
            var eighths = Int((Double(minute.accepted) / Double(peak) * 8).rounded())
            if minute.accepted > 0 { eighths = max(1, eighths) }
            buffer.write(String(glyphs.bar(eighths: eighths)), column: column + index, row: row, role: .chartSucceeded)
        }
    }
}

/// One account: its figures, open positions and newest attempts.
struct AccountDetailScreen {
    let model: DashboardModel
    let glyphs: Glyphs
    let name: String

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        drawScrolling(accountDetailLines(model, width: body.width - 3, glyphs: glyphs), title: "Account \(name)", in: body,
                      scroll: model.scroll, into: &buffer, glyphs: glyphs)
    }
}

/// The account detail as lines of text, so scrolling can be clamped without drawing.
func accountDetailLines(_ model: DashboardModel, width: Int, glyphs: Glyphs) -> [(text: String, role: StyleRole)] {
    guard case .accountDetail(let name) = model.view else { return [] }
    let zone = model.settings.timeZone
    let now = model.snapshot?.takenAt ?? model.now
    var lines: [(text: String, role: StyleRole)] = []
    if let account = model.snapshot?.accounts?.first(where: { $0.name == name }) {
        lines.append(("\(account.stateWord)   last hour: \(Format.count(account.acceptedLastHour)) accepted, "
                      + "\(Format.count(account.refusedLastHour)) refused   average latency \(account.latencyText)", account.role))
        if let live = account.live { lines.append((live.summary, .normal)) }
        if let refusal = account.lastRefusal {
            lines += Format.wrap("last refusal \(Format.age(now.timeIntervalSince(refusal.at))) ago, task \(refusal.taskID): "
                                 + (refusal.message ?? ""), width: width).map { ($0, .warning) }
        }
    }
    guard let detail = model.accountDetail, detail.name == name else { return lines + [("loading\(glyphs.ellipsis)", .muted)] }
    lines.append(("", .normal))
    lines.append(("Open positions (\(detail.positions.count)): ENTRY accepted, no EXIT accepted yet", .title))
    if detail.positions.isEmpty {
        lines.append(("  none", .muted))
    } else {
        let positionColumns = TableLayout(width: width - 2, [.fixed(18), .fixed(7), .fixed(6), .fixed(5), .fixed(16)])
        func columns(_ parts: [String]) -> String { "  " + positionColumns.row(parts, ellipsis: glyphs.ellipsis) }
        lines.append((columns(["trade", "dir", "size", "task", "since"]), .muted))
        let trades = DistinctNames(detail.positions.map(\.tradeID), width: positionColumns.widths[0] ?? 0,
                                   ellipsis: glyphs.ellipsis)
        for position in detail.positions {
            let since = Format.clock(position.openedAt, zone) + " (\(Format.age(now.timeIntervalSince(position.openedAt))))"
            lines.append((columns([trades[position.tradeID], position.direction ?? "-",
                                   (position.contracts.map(String.init) ?? "?").leftPadded(to: 6), "\(position.entryTaskID)", since]),
                          .normal))
        }
    }
    lines.append(("", .normal))
    lines.append(("Recent attempts, newest first", .title))
    if detail.recentAttempts.isEmpty { lines.append(("  none", .muted)) }
    let layout = LogColumns(width: width - 2, entries: detail.recentAttempts, knownAccounts: model.knownAccounts,
                            ellipsis: glyphs.ellipsis)
    if !detail.recentAttempts.isEmpty { lines.append(("  " + layout.header(glyphs), .muted)) }
    for entry in detail.recentAttempts {
        lines.append(("  " + layout.row(entry, zone: zone, glyphs: glyphs), entry.statusRole))
    }
    return lines
}
