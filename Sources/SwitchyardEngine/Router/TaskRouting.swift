import FoundationEssentials

/// Decides where one claimed task goes and sends it there: the accounts whose rules match, sized
/// per account, skipping accounts that already accepted it. Returns the outcome to write back.
public struct TaskRouting: Sendable {
    public var accounts: AccountSet
    /// Dry-run accounts' orders go here.
    public var connector: any OrderConnector
    /// Live accounts' orders go here; nil: this router does not route live accounts, and skips them.
    public var liveConnector: (any OrderConnector)?
    /// This database's id (`DatabaseIdentity`): part of every order's idempotency key.
    public var databaseID: String
    /// Times each order's round trip.
    public var metrics: RouterMetrics

    public init(accounts: AccountSet, connector: any OrderConnector, liveConnector: (any OrderConnector)? = nil,
                databaseID: String = "", metrics: RouterMetrics = RouterMetrics()) {
        self.accounts = accounts
        self.connector = connector
        self.liveConnector = liveConnector
        self.databaseID = databaseID
        self.metrics = metrics
    }

    /// Routes `task`; never throws: a payload it cannot use is a permanent failure with the reason.
    public func route(_ task: ClaimedTask) -> TaskOutcome {
        let payload: TaskPayload
        do {
            payload = try TaskPayload.parse(task.payload, eventType: task.eventType)
        } catch {
            let reason = "Payload rejected: \(error)"
            return TaskOutcome(taskID: task.id, result: .failedPermanently(reason), logs: [
                AttemptLog(taskID: task.id, account: nil, status: .failed, responseCode: 422, message: reason)])
        }
        switch payload {
        case .entry(let entry): return routeEntry(task, entry)
        case .exit(let exit): return routeExit(task, exit)
        }
    }

    private func routeEntry(_ task: ClaimedTask, _ entry: EntryPayload) -> TaskOutcome {
        let targets = accounts.accounts.filter { $0.takes(.entry) && !task.acceptedAccounts.contains($0.name) }
        // Refused unless every account already accepted it (then nothing would be sent anyway).
        if let exit = task.exitThatRan, !(targets.isEmpty && !task.acceptedAccounts.isEmpty) {
            return refuseEntry(task, accounts: targets.map(\.name), exitThatRan: exit)
        }
        var logs: [AttemptLog] = []
        var failures = Failures()
        for account in targets {
            if let mismatch = account.mismatch(entry) {
                logs.append(AttemptLog(taskID: task.id, account: account.name, status: .skipped, responseCode: nil,
                                       message: "Skipped: \(mismatch)."))
                continue
            }
            let (contracts, reason) = account.size(entry)
            guard contracts > 0 else {
                logs.append(AttemptLog(taskID: task.id, account: account.name, status: .skipped, responseCode: nil,
                                       message: "Skipped: \(reason ?? "zero contracts")."))
                continue
            }
            let order = Order(taskID: task.id, tradeID: task.tradeID, account: account.name, event: .entry,
                              side: entry.direction == .long ? .buy : .sell, contracts: contracts,
                              price: entry.entryPrice, symbol: account.symbol, kind: .limit,
                              databaseID: databaseID, attempt: task.attempts)
            send(order, to: account, task: task, logs: &logs, failures: &failures)
        }
        if logs.isEmpty && task.acceptedAccounts.isEmpty {
            logs.append(AttemptLog(taskID: task.id, account: nil, status: .skipped, responseCode: nil,
                                   message: "No enabled account takes ENTRY tasks; nothing sent."))
        }
        return outcome(task, logs: logs, failures: failures)
    }

    /// An ENTRY whose trade's EXIT already ran, however it came back (retry, resume, a plain SQL
    /// reset, a rescue): sent nowhere, a FAILED row for every account it would have gone to
    /// (one for the task when none would), and FAILED for good: it can never succeed.
    private func refuseEntry(_ task: ClaimedTask, accounts refused: [String], exitThatRan exit: TaskID) -> TaskOutcome {
        let why = "trade \(task.tradeID)'s EXIT \(exit) already ran, so this ENTRY would open a position after its exit"
        let advice = "It can never be routed: dead-letter it."
        let logs = (refused.isEmpty ? [nil] : refused.map(Optional.some)).map { account in
            AttemptLog(taskID: task.id, account: account, status: .failed, responseCode: 409,
                       message: "Refused: \(why); nothing was sent. \(advice)")
        }
        let reason = "Refused for \(refused.count) account(s): \(why); nothing was sent. \(advice)"
        return TaskOutcome(taskID: task.id, result: .refused(reason), logs: logs)
    }

    private func routeExit(_ task: ClaimedTask, _ exit: ExitPayload) -> TaskOutcome {
        var logs: [AttemptLog] = []
        var failures = Failures()
        let targets = task.entryAcceptedAccounts.subtracting(task.acceptedAccounts).sorted()
        if task.entryAcceptedAccounts.isEmpty {
            logs.append(AttemptLog(taskID: task.id, account: nil, status: .success, responseCode: 200,
                                   message: "Nothing to close: no account accepted trade \(task.tradeID)'s ENTRY."))
        }
        for name in targets {
            guard let account = accounts[name] else {
                let reason = "\(name) accepted the ENTRY but is not in this router's accounts; cannot close it"
                logs.append(AttemptLog(taskID: task.id, account: name, status: .failed, responseCode: 404, message: reason + "."))
                failures.retry.append(reason)
                continue
            }
            let order = Order(taskID: task.id, tradeID: task.tradeID, account: name, event: .exit, side: .close,
                              contracts: nil, price: exit.exitPrice, symbol: account.symbol, kind: .market,
                              databaseID: databaseID, attempt: task.attempts)
            send(order, to: account, task: task, logs: &logs, failures: &failures)
        }
        return outcome(task, logs: logs, failures: failures)
    }

    private func send(_ order: Order, to account: Account, task: ClaimedTask, logs: inout [AttemptLog],
                      failures: inout Failures) {
        let connector: any OrderConnector
        if account.isLive {
            guard let live = liveConnector else {
                logs.append(AttemptLog(taskID: task.id, account: account.name, status: .skipped, responseCode: nil,
                                       message: "Skipped: \(account.name) is a live account and this router does not route "
                                           + "live accounts; nothing was sent."))
                return
            }
            connector = live
        } else {
            connector = self.connector
        }
        let started = ContinuousClock.now
        let result = connector.send(order)
        let elapsed = started.duration(to: .now)
        metrics.sent(to: order.account, in: elapsed)
        let milliseconds = elapsed.milliseconds
        // Code 0: no answer came (a timeout, a dropped connection); the row then has none.
        logs.append(AttemptLog(taskID: task.id, account: order.account, status: result.accepted ? .success : .failed,
                               responseCode: result.code == 0 ? nil : result.code, message: result.message,
                               durationMilliseconds: milliseconds, contracts: result.accepted ? order.contracts : nil))
        let said = "\(order.account): \(result.message)"
        switch result.disposition {
        case .accepted: break
        case .conflict:
            metrics.conflict(account: order.account)
            failures.conflicts.append("\(order.account) (key \(order.idempotencyKey))")
        case .retry(let after):
            failures.retry.append(said)
            if let after { failures.notBefore = max(failures.notBefore ?? .zero, after) }
        case .refused: failures.refused.append(said)
        }
    }

    /// What went wrong for the accounts of one task, by what it does to the task.
    struct Failures {
        /// Keys the broker holds for another order (409): FAILED at once, an operator must look.
        var conflicts: [String] = []
        /// Worth another attempt, with the same keys.
        var retry: [String] = []
        /// The longest wait a broker asked for (`Retry-After`).
        var notBefore: Duration?
        /// Refused for good, with the broker's reasons.
        var refused: [String] = []
    }

    /// Any conflict fails the task at once; else any retry retries it (not before the longest
    /// `Retry-After`); else any refusal fails it at once; else it succeeded.
    private func outcome(_ task: ClaimedTask, logs: [AttemptLog], failures: Failures) -> TaskOutcome {
        func shown(_ list: [String]) -> String {
            list.prefix(3).joined(separator: "; ") + (list.count > 3 ? "; ..." : "")
        }
        if !failures.conflicts.isEmpty {
            return TaskOutcome(taskID: task.id, result: .failedPermanently(
                "Conflict at the broker for \(shown(failures.conflicts)): the key was already used for a different order, "
                    + "so the task is FAILED and not sent again. An operator must look: compare the broker's order with "
                    + "this task before retrying or dead-lettering it."), logs: logs)
        }
        if !failures.retry.isEmpty {
            return TaskOutcome(taskID: task.id, result: .failed("\(failures.retry.count) account(s) failed: \(shown(failures.retry))"),
                               logs: logs, retryNotBefore: failures.notBefore)
        }
        if !failures.refused.isEmpty {
            return TaskOutcome(taskID: task.id, result: .failedPermanently(
                "\(failures.refused.count) account(s) refused: \(shown(failures.refused))"), logs: logs)
        }
        return TaskOutcome(taskID: task.id, result: .succeeded, logs: logs)
    }
}
