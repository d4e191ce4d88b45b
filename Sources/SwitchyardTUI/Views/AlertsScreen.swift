import Foundation
import SwitchyardEngine

/// Key 5: what is firing now, the rules, and the latest alert history. The same for observers:
/// rules are changed with `switchyard alerts`, never from here.
struct AlertsScreen {
    let model: DashboardModel
    let glyphs: Glyphs

    func draw(in body: Rect, into buffer: inout CellBuffer) {
        let firing = model.snapshot?.alerts?.firing.count ?? 0
        drawScrolling(alertsLines(model, width: body.width - 3, glyphs: glyphs), title: "Alerts (\(firing) firing)", in: body,
                      scroll: model.scroll, into: &buffer, glyphs: glyphs)
    }
}

/// The alerts view as lines of text, so scrolling can be clamped without drawing.
func alertsLines(_ model: DashboardModel, width: Int, glyphs: Glyphs) -> [(text: String, role: StyleRole)] {
    guard let snapshot = model.snapshot else { return [("loading\(glyphs.ellipsis)", .muted)] }
    guard let alerts = snapshot.alerts else {
        let reason = snapshot.unavailable[SnapshotPart.alerts.rawValue] ?? "not in this snapshot"
        return [("alerts unavailable: \(reason)", .muted)]
    }
    let zone = model.settings.timeZone
    let now = snapshot.takenAt
    var lines: [(text: String, role: StyleRole)] = []
    // Account names are shortened among every account the screen knows, so they stay different.
    let accounts = model.knownAccounts + alerts.firing.compactMap(\.account) + alerts.history.compactMap(\.account)
    lines.append(("Firing now", .title))
    if alerts.firing.isEmpty { lines.append(("  nothing is firing", .good)) }
    let whatWidth = max(10, width - 43)
    // The account first, in at most half the column: a long description is cut, never the name.
    let firingAccounts = DistinctNames(accounts, width: max(6, whatWidth / 2), ellipsis: glyphs.ellipsis)
    for alert in alerts.firing {
        let what = (alert.account.map { firingAccounts[$0] + ": " } ?? "") + alert.condition.describe(value: alert.value)
        lines.append(("  " + Format.columns([(alert.severity.rawValue.uppercased(), 9), (alert.rule, 20),
                                             ("for " + Format.age(now.timeIntervalSince(alert.since)), 8),
                                             (what, whatWidth)], ellipsis: glyphs.ellipsis),
                      alert.severity == .critical ? .failed : .warning))
        if let held = alert.heldReason { lines.append(("    held: \(held)", .muted)) }
        if alert.failingDeliveries > 0 {
            lines.append(("    \(alert.failingDeliveries) message(s) not delivered: \(alert.deliveryError ?? "retrying")", .failed))
        }
    }
    lines.append(("", .normal))
    lines.append(("Rules (\(alerts.rules.count))", .title))
    if alerts.rules.isEmpty { lines.append(("  none: add one with `switchyard alerts add`", .muted)) }
    for rule in alerts.rules {
        let quiet = rule.quietHours.map { "  quiet \($0.summary)" } ?? ""
        let head = Format.columns([(rule.name, 20), (rule.severity.rawValue, 8), (rule.condition.summary, 36)],
                                  ellipsis: glyphs.ellipsis)
        // Wide enough: one line a rule; else where it goes on a second line.
        if width >= 100 {
            lines.append(("  " + head + " " + "→ \(rule.target)\(quiet)".clipped(to: width - 70, ellipsis: glyphs.ellipsis), .normal))
        } else {
            lines.append(("  " + head, .normal))
            lines.append(("      → \(rule.target)\(quiet)", .muted))
        }
    }
    lines.append(("", .normal))
    lines.append(("History (latest \(alerts.history.count), newest first)", .title))
    if alerts.history.isEmpty { lines.append(("  none yet", .muted)) }
    // "rule/account": the account in at most half the column, the rule in what it leaves.
    let subjectWidth = width >= 100 ? 28 : 20
    let subjectAccounts = DistinctNames(accounts, width: subjectWidth / 2 - 1, ellipsis: glyphs.ellipsis)
    let rules = alerts.rules.map(\.name) + alerts.history.map(\.rule)
    func subject(_ entry: AlertHistoryEntry) -> String {
        guard let account = entry.account else { return entry.rule }
        if DisplayWidth.of(entry.rule) + 1 + DisplayWidth.of(account) <= subjectWidth { return entry.rule + "/" + account }
        let short = subjectAccounts[account]
        let rule = DistinctNames(rules, width: subjectWidth - 1 - DisplayWidth.of(short), ellipsis: glyphs.ellipsis)
        return rule[entry.rule] + "/" + short
    }
    for entry in alerts.history {
        let role: StyleRole = switch entry.event {
        case "delivery_failed", "delivery_abandoned", "test_failed": .failed
        case "fired": .warning
        case "resolved", "delivered": .good
        default: .normal
        }
        lines.append(("  " + Format.columns([(Format.clock(entry.at, zone), 8), (subject(entry), subjectWidth), (entry.event, 18),
                                             (entry.detail ?? "", max(10, width - 32 - subjectWidth))],
                                            ellipsis: glyphs.ellipsis), role))
    }
    return lines
}
