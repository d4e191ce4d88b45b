import FoundationEssentials

/// The `switchyard stats --json` document: a stable shape for scripts (docs/stats-json.md).
/// Every key is always present; a part that could not be read is null, with its reason under
/// `unavailable`. Times are RFC 3339 in UTC; ages and rates are numbers of seconds.
public enum SnapshotJSON {
    /// Bumped only when a key is removed or changes meaning; new keys may appear at any time.
    public static let formatVersion = 1

    /// The document as UTF-8 text, keys sorted, pretty-printed when asked.
    public static func encode(_ snapshot: DashboardSnapshot, prettyPrinted: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = prettyPrinted ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document(snapshot)), as: UTF8.self)
    }

    public static func document(_ snapshot: DashboardSnapshot) -> JSONValue {
        let now = snapshot.takenAt
        func tasks(_ list: [TaskSummary]?) -> JSONValue {
            list.map { .array($0.map { task(task: $0, now: now) }) } ?? .null
        }
        var unavailable: [String: JSONValue] = [:]
        for (name, reason) in snapshot.unavailable {
            unavailable[SnapshotPart(rawValue: name)?.jsonKey ?? name] = .string(reason)
        }
        return .object([
            "format_version": .int(formatVersion),
            "taken_at": time(now),
            "queue": snapshot.queue.map(queue) ?? .null,
            "rates": snapshot.rates.map(rates) ?? .null,
            "recent_logs": snapshot.recentLogs.map { .array($0.map(log)) } ?? .null,
            "failed_tasks": tasks(snapshot.failedTasks),
            "dead_tasks": tasks(snapshot.deadTasks),
            "held_tasks": tasks(snapshot.heldTasks),
            "accounts": snapshot.accounts.map { .array($0.map { account($0, now: now) }) } ?? .null,
            "routers": snapshot.routers.map { .array($0.map { router($0, now: now) }) } ?? .null,
            "control": snapshot.control.map(control) ?? .null,
            "schedules": snapshot.schedules.map { .array($0.map(schedule)) } ?? .null,
            "alerts": snapshot.alerts.map(alerts) ?? .null,
            "observed_accounts": snapshot.observedAccounts.map { .array($0.map(JSONValue.string)) } ?? .null,
            "unavailable": .object(unavailable),
        ])
    }

    static func queue(_ queue: QueueDepth) -> JSONValue {
        var counts: [String: JSONValue] = [:]
        for status in TaskStatus.known { counts[status.rawValue] = .int(queue.count(status)) }
        for (status, count) in queue.counts where !TaskStatus.known.contains(status) { counts[status.rawValue] = .int(count) }
        return .object([
            "counts": .object(counts),
            "estimated": .array(queue.estimated.map(\.rawValue).sorted().map(JSONValue.string)),
            "oldest_eligible_age_seconds": queue.oldestEligibleAge.map(seconds) ?? .null,
            "scheduled": .int(queue.scheduled),
        ])
    }

    static func schedule(_ schedule: Schedule) -> JSONValue {
        let figures = schedule.figures
        var timing: [String: JSONValue] = [:]
        switch schedule.timing {
        case .every(let period): timing = ["every_seconds": .int(Int(period.components.seconds))]
        case .cron(let expression, let clock): timing = ["cron": .string(expression.description), "time_zone": .string(clock.identifier)]
        }
        return .object([
            "name": .string(schedule.name),
            "timing": .object(timing),
            "event_type": .string(schedule.eventType.rawValue),
            "max_attempts": .int(schedule.maxAttempts),
            "catch_up": .string(schedule.catchUp.rawValue),
            "paused": .bool(schedule.paused),
            "next_run_at": schedule.paused ? .null : time(schedule.nextRunAt),
            "last_run_at": schedule.lastRunAt.map(time) ?? .null,
            "successes": .int(figures.successes),
            "errors": .int(figures.errors),
            "unfinished": .int(figures.unfinished),
            "average_execution_ms": figures.averageExecutionMilliseconds.map { .double(($0 * 10).rounded() / 10) } ?? .null,
            "missed_runs": .int(figures.missed),
        ])
    }

    static func rates(_ rates: ProcessingRates) -> JSONValue {
        .object([
            "current_per_second": seconds(rates.currentPerSecond),
            "last_hour": .object(["succeeded": .int(rates.lastHourSucceeded),
                                  "failed": .int(rates.lastHourFailed)]),
            "minutes": .array(rates.minutes.map {
                .object(["start": time($0.start), "succeeded": .int($0.succeeded), "failed": .int($0.failed)])
            }),
        ])
    }

    static func log(_ entry: LogEntry) -> JSONValue {
        .object([
            "id": .int(entry.id), "task_id": .int(entry.taskID.rawValue), "trade_id": .string(entry.tradeID),
            "event_type": .string(entry.eventType.rawValue), "event": optional(entry.event),
            "account": optional(entry.account), "status": .string(entry.status),
            "response_code": entry.responseCode.map(JSONValue.int) ?? .null, "message": optional(entry.message),
            "actor": optional(entry.actor), "router_id": optional(entry.routerID),
            "duration_ms": entry.durationMilliseconds.map(JSONValue.int) ?? .null, "created_at": time(entry.createdAt),
        ])
    }

    static func task(task: TaskSummary, now: Date) -> JSONValue {
        .object([
            "id": .int(task.id.rawValue), "trade_id": .string(task.tradeID), "event_type": .string(task.eventType.rawValue),
            "status": .string(task.status.rawValue), "attempts": .int(task.attempts),
            "max_attempts": task.maxAttempts.map(JSONValue.int) ?? .null, "last_error": optional(task.lastError),
            "created_at": time(task.createdAt), "updated_at": task.updatedAt.map(time) ?? .null,
            "age_seconds": seconds(now.timeIntervalSince(task.createdAt)),
        ])
    }

    static func account(_ account: AccountFigures, now: Date) -> JSONValue {
        .object([
            "name": .string(account.name), "configured": .bool(account.isConfigured),
            "enabled": account.enabled.map(JSONValue.bool) ?? .null,
            "last_hour": .object(["accepted": .int(account.acceptedLastHour), "refused": .int(account.refusedLastHour)]),
            "average_latency_ms": account.averageLatencyMilliseconds.map { .double(($0 * 10).rounded() / 10) } ?? .null,
            "last_refusal": account.lastRefusal.map { refusal in
                .object(["task_id": .int(refusal.taskID.rawValue), "message": optional(refusal.message), "at": time(refusal.at),
                         "age_seconds": seconds(now.timeIntervalSince(refusal.at))])
            } ?? .null,
            "open_positions": .int(account.openPositions),
            "live": account.live.map { live in
                .object(["open_contracts": .int(live.openContracts), "orders_today": .int(live.ordersToday),
                         "realised_pnl_today": live.realisedToday.map { .double(($0 * 100).rounded() / 100) } ?? .null,
                         "trading_day": .string(live.tradingDay), "time_zone": .string(live.timeZone)])
            } ?? .null,
            "minutes": .array(account.minutes.map {
                .object(["start": time($0.start), "accepted": .int($0.accepted), "refused": .int($0.refused)])
            }),
        ])
    }

    static func router(_ router: RouterInfo, now: Date) -> JSONValue {
        .object([
            "id": .string(router.id), "host": .string(router.host), "pid": .int(router.pid),
            "started_at": time(router.startedAt), "heartbeat_at": time(router.heartbeatAt),
            "heartbeat_age_seconds": seconds(now.timeIntervalSince(router.heartbeatAt)),
            "stopped_at": router.stoppedAt.map(time) ?? .null, "live": .bool(router.isLive), "dry_run": .bool(router.dryRun),
            "paused": .bool(router.paused), "in_flight": .int(router.inFlight), "processed": .int(router.processed),
        ])
    }

    static func control(_ control: ControlState) -> JSONValue {
        .object([
            "global_paused": .bool(control.globalPaused),
            "paused_event_types": .array(control.pausedEventTypes.map(JSONValue.string)),
            "changed_by": optional(control.changedBy), "changed_at": control.changedAt.map(time) ?? .null,
            "reason": optional(control.reason),
        ])
    }

    static func alerts(_ alerts: AlertsState) -> JSONValue {
        .object([
            "firing": .array(alerts.firing.map { alert in
                .object([
                    "rule": .string(alert.rule), "severity": .string(alert.severity.rawValue),
                    "condition": .string(alert.condition.kind.flagName), "threshold": .double(alert.condition.threshold),
                    "window_minutes": alert.condition.windowMinutes.map(JSONValue.int) ?? .null,
                    "value": .double(alert.value), "account": optional(alert.account), "since": time(alert.since),
                    "held_reason": optional(alert.heldReason), "undelivered_messages": .int(alert.failingDeliveries),
                    "delivery_error": optional(alert.deliveryError),
                ])
            }),
            "rules": .array(alerts.rules.map { rule in
                .object([
                    "name": .string(rule.name), "severity": .string(rule.severity.rawValue),
                    "condition": .string(rule.condition.kind.flagName), "threshold": .double(rule.condition.threshold),
                    "window_minutes": rule.condition.windowMinutes.map(JSONValue.int) ?? .null,
                    "target": .string(rule.target), "cooldown_seconds": seconds(rule.cooldown.seconds),
                    "quiet_hours": rule.quietHours.map { .string($0.summary) } ?? .null,
                ])
            }),
        ])
    }

    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    /// Seconds, to the millisecond.
    static func seconds(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }

    /// "2026-11-23T10:00:30.000Z".
    static func time(_ date: Date) -> JSONValue {
        guard date != .distantPast, date != .distantFuture else { return .null }
        return .string(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
    }
}

/// A JSON value whose nulls are written out (Codable would drop nil keys).
public enum JSONValue: Encodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
