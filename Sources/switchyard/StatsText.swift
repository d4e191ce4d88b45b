import FoundationEssentials
import SwitchyardEngine

/// The aligned text `switchyard stats` prints for people.
enum StatsText {
    static func render(_ snapshot: DashboardSnapshot, database: String) -> String {
        let now = snapshot.takenAt
        var out = "Switchyard \(database) at \(timeText(now))\n"
        func section(_ title: String, _ part: SnapshotPart, _ body: () -> String) {
            out += "\n" + title
            if let reason = snapshot.unavailable[part.rawValue] {
                out += "  unavailable: \(reason)\n"
            } else {
                out += body()
            }
        }
        section("QUEUE", .queue) {
            guard let queue = snapshot.queue else { return "\n" }
            var text = "  lag " + (queue.oldestEligibleAge.map { TimeSpan.format(seconds: $0) } ?? "none (nothing eligible)") + "\n"
            let statuses = TaskStatus.known + queue.counts.keys.filter { !TaskStatus.known.contains($0) }
                .sorted { $0.rawValue < $1.rawValue }
            text += table(statuses.map { status in
                let count = queue.count(status)
                let note = queue.estimated.contains(status) ? "(estimated)"
                    : status == .pending && queue.scheduled > 0 ? "(\(queue.scheduled) SCHEDULED for later)" : ""
                return ["  " + status.rawValue, queue.estimated.contains(status) ? "~\(count)" : "\(count)", note]
            }, rightAligned: [1])
            return text
        }
        section("RATES", .rates) {
            guard let rates = snapshot.rates else { return "\n" }
            // Account attempts, not tasks: a task is tried on every account, perhaps more than once.
            let succeeded = rates.lastHourSucceeded, failed = rates.lastHourFailed
            let now = decimalText(rates.currentPerSecond, places: 1)
            return "  last hour: \(succeeded) attempts succeeded, \(failed) failed; now \(now) attempts/s\n"
        }
        section("ACCOUNTS", .accounts) {
            guard let accounts = snapshot.accounts, !accounts.isEmpty else { return "  none configured or seen\n" }
            return "\n" + table([["  ACCOUNT", "STATE", "ACCEPTED", "REFUSED", "LATENCY", "OPEN", "LAST REFUSAL"]] + accounts.map { account in
                let state = account.enabled.map { $0 ? "enabled" : "disabled" } ?? "not configured"
                let refusal = account.lastRefusal.map { TimeSpan.format(seconds: now.timeIntervalSince($0.at)) + " ago: " + oneLine($0.message ?? "") } ?? "-"
                return ["  " + account.name, state, "\(account.acceptedLastHour)", "\(account.refusedLastHour)",
                        account.averageLatencyMilliseconds.map { decimalText($0, places: 0) + " ms" } ?? "-",
                        "\(account.openPositions)", refusal]
            }, rightAligned: [2, 3, 4, 5]) + "  (orders in the last hour; OPEN: positions whose ENTRY was accepted and no EXIT yet)\n"
        }
        section("ROUTERS", .routers) {
            guard let routers = snapshot.routers, !routers.isEmpty else { return "  none seen recently\n" }
            return "\n" + table([["  HOST", "PID", "HEARTBEAT", "STATE", "IN-FLIGHT", "PROCESSED"]] + routers.map { router in
                let state = router.stoppedAt != nil ? "stopped" : router.paused ? "paused" : "running"
                return ["  " + router.host, "\(router.pid)", TimeSpan.format(seconds: now.timeIntervalSince(router.heartbeatAt)) + " ago",
                        state + (router.dryRun ? " dry-run" : " LIVE"), "\(router.inFlight)", "\(router.processed)"]
            }, rightAligned: [1, 4, 5])
        }
        section("CONTROL", .control) {
            guard let control = snapshot.control else { return "\n" }
            var words = [control.globalPaused ? "every router paused" : "routers not paused"]
            if !control.pausedEventTypes.isEmpty { words.append(control.pausedEventTypes.joined(separator: ", ") + " paused") }
            var text = "  " + words.joined(separator: "; ")
            if let by = control.changedBy { text += " (by \(by)" + (control.changedAt.map { " at \(timeText($0))" } ?? "") + ")" }
            if let reason = control.reason { text += ": \(reason)" }
            return text + "\n"
        }
        section("SCHEDULES", .schedules) {
            guard let schedules = snapshot.schedules, !schedules.isEmpty else { return "  none\n" }
            return "\n" + table([["  NAME", "STATE", "NEXT RUN", "LAST RUN", "OK", "ERRORS", "TIMING"]] + schedules.map { schedule in
                ["  " + schedule.name, schedule.paused ? "paused" : "active", schedule.paused ? "-" : timeText(schedule.nextRunAt),
                 schedule.lastRunAt.map(timeText) ?? "-", "\(schedule.figures.successes)", "\(schedule.figures.errors)",
                 schedule.timing.description]
            }, rightAligned: [4, 5])
        }
        section("ALERTS", .alerts) {
            guard let alerts = snapshot.alerts else { return "\n" }
            guard !alerts.firing.isEmpty else { return "  \(alerts.rules.count) rule(s); nothing firing\n" }
            return "  \(alerts.firing.count) firing of \(alerts.rules.count) rule(s)\n"
                + alerts.firing.map { "  " + describe($0) + "\n" }.joined()
        }
        for (title, part, tasks) in [("FAILED TASKS", SnapshotPart.failedTasks, snapshot.failedTasks),
                                     ("DEAD TASKS", .deadTasks, snapshot.deadTasks), ("HELD TASKS", .heldTasks, snapshot.heldTasks)] {
            section(title, part) {
                guard let tasks, !tasks.isEmpty else { return "  none\n" }
                return "\n" + table([["  ID", "TRADE", "TYPE", "ATTEMPTS", "AGE", "LAST ERROR"]] + tasks.map { task in
                    ["  \(task.id.rawValue)", task.tradeID, task.eventType.rawValue,
                     "\(task.attempts)" + (task.maxAttempts.map { "/\($0)" } ?? ""), TimeSpan.format(seconds: now.timeIntervalSince(task.createdAt)),
                     oneLine(task.lastError ?? "")]
                }, rightAligned: [0, 3])
            }
        }
        section("RECENT LOGS", .recentLogs) {
            guard let logs = snapshot.recentLogs, !logs.isEmpty else { return "  none\n" }
            return "\n" + table([["  TIME", "TASK", "TRADE", "TYPE", "EVENT", "ACCOUNT", "STATUS", "CODE", "MESSAGE"]] + logs.map { log in
                ["  " + timeText(log.createdAt), "\(log.taskID.rawValue)", log.tradeID, log.eventType.rawValue, log.event ?? "-",
                 log.account ?? "-", log.status, log.responseCode.map(String.init) ?? "-", oneLine(log.message ?? "")]
            }, rightAligned: [1, 7])
        }
        return out
    }

    /// Rows padded to the widest cell of each column; the last column is never padded.
    static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if rightAligned.contains(column) { return padding + cell }
                return column == row.count - 1 ? cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingWhitespace
        }.joined(separator: "\n") + "\n"
    }

    static func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 60 ? String(flat.prefix(59)) + "…" : flat
    }
}
