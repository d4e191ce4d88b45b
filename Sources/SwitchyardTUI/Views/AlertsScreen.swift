import FoundationEssentials
import SwitchyardEngine

/// Key 5: the alert rules, those firing first in colour, and the selected rule's firing and
/// latest history underneath. Rules are changed with `switchyard alerts`, never from here; a
/// per-account observer is told it may not read them.
struct AlertsScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let missing = model.missingReason(.alerts, glyphs: glyphs)
        let alerts = missing == nil ? model.snapshot?.alerts : nil
        let rules = alerts?.rules ?? []
        let firing = alerts?.firing ?? []
        let now = model.snapshot?.takenAt ?? model.now
        let layout = AlertsLayout(body: body, rules: rules.count)
        let table = TableLayout(width: body.width - 3, [.fixed(10), .fixed(8), .fixed(20), .rest(minimum: 10)])
        let list = SelectableListBox(title: alerts.map { "Alert rules (\($0.firing.count) firing)" } ?? "Alerts",
                                     focused: true,
                                     header: table.row(["state", "severity", "rule", "condition"], ellipsis: glyphs.ellipsis),
                                     empty: "no rules: add one with `switchyard alerts add`")
        list.draw(rules.map(\.id), cursor: model.cursors.alerts, in: rules.isEmpty ? body : layout.list,
                  missing: missing, into: &buffer, glyphs: glyphs) { index in
            let rule = rules[index]
            let since = firing.filter { $0.rule == rule.name }.map(\.since).min()
            let state = since.map { "FIRING " + Format.age(now.timeIntervalSince($0)) } ?? "ok"
            let role: StyleRole = since == nil ? .normal : (rule.severity == .critical ? .failed : .warning)
            return (table.row([state, rule.severity.rawValue, rule.name, rule.condition.summary], ellipsis: glyphs.ellipsis),
                    role)
        }
        guard let alerts, let rule = model.currentAlertRule else { return }
        let inner = buffer.box(layout.detail, title: "Rule \(rule.name)", glyphs: glyphs)
        for (index, line) in detailLines(rule, alerts, width: inner.width - 1, now: now).prefix(inner.height).enumerated() {
            buffer.line(" " + line.text, in: inner, row: index, role: line.role, glyphs: glyphs)
        }
    }

    /// The selected rule: what it watches and where it sends, whether it fires now, its latest history.
    private func detailLines(_ rule: AlertRuleSummary, _ alerts: AlertsState, width: Int, now: Date)
        -> [(text: String, role: StyleRole)]
    {
        let zone = model.settings.timeZone
        let quiet = rule.quietHours.map { ", quiet \($0.summary)" } ?? ""
        var lines: [(text: String, role: StyleRole)] = Format.wrap(
            "\(rule.severity.rawValue): \(rule.condition.summary)\(quiet), to \(rule.target)", width: width).map { ($0, .normal) }
        // Account names are shortened among every account the screen knows, so they stay different.
        let accounts = model.knownAccounts + alerts.firing.compactMap(\.account) + alerts.history.compactMap(\.account)
        let firing = alerts.firing.filter { $0.rule == rule.name }
        if firing.isEmpty { lines.append(("not firing", .good)) }
        // The account first, in at most half the line: a long description is cut, never the name.
        let firingAccounts = DistinctNames(accounts, width: max(6, (width - 20) / 2), ellipsis: glyphs.ellipsis)
        for alert in firing {
            let what = (alert.account.map { firingAccounts[$0] + ": " } ?? "") + alert.condition.describe(value: alert.value)
            lines.append(("FIRING for \(Format.age(now.timeIntervalSince(alert.since))): \(what)",
                          alert.severity == .critical ? .failed : .warning))
            if let held = alert.heldReason { lines.append(("  held: \(held)", .muted)) }
            if alert.failingDeliveries > 0 {
                lines.append(("  \(alert.failingDeliveries) message(s) not delivered: \(alert.deliveryError ?? "retrying")",
                              .failed))
            }
        }
        let history = alerts.history.filter { $0.rule == rule.name }
        lines.append(("", .normal))
        lines.append(("History, newest first (of the latest \(alerts.history.count) of all rules)", .title))
        if history.isEmpty { lines.append(("  none", .muted)) }
        let historyAccounts = DistinctNames(accounts, width: 12, ellipsis: glyphs.ellipsis)
        for entry in history {
            let role: StyleRole = switch entry.event {
            case "delivery_failed", "delivery_abandoned", "test_failed": .failed
            case "fired": .warning
            case "resolved", "delivered": .good
            default: .normal
            }
            let subject = entry.account.map { historyAccounts[$0] } ?? ""
            lines.append(("  " + Format.columns([(Format.clock(entry.at, zone), 8), (entry.event, 18), (subject, 12),
                                                 (entry.detail ?? "", max(10, width - 43))], ellipsis: glyphs.ellipsis),
                          role))
        }
        return lines
    }
}
