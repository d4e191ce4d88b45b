import SwitchyardEngine

/// r, d, h, P, R: work out the action, then ask for its preview; nothing changes before y.
func requestChange(_ model: inout DashboardModel, _ key: Character) -> [DashboardEffect] {
    let name: String
    switch key {
    case "r": name = "retry (r)"
    case "d": name = "dead-letter (d)"
    case "h": name = "hold/resume (h)"
    case "P": name = "pause/resume router (P)"
    default: name = "retry all failed (R)"
    }
    if let accounts = model.snapshot?.observedAccounts {
        model.status = StatusMessage("Read-only: \(name) is disabled; this role may only read "
                                     + "\(accounts.joined(separator: ", ")).")
        return []
    }
    if model.settings.readOnly {
        model.status = StatusMessage("Read-only mode: \(name) is disabled (started with --read-only).")
        return []
    }
    if model.awaitingPreview != nil {
        model.status = StatusMessage("Still waiting for the previous preview; Esc cancels it.")
        return []
    }

    switch key {
    case "P":
        let paused = model.snapshot?.control?.globalPaused ?? (model.routerStatus?.state == .paused)
        return askPreview(&model, paused ? .resumeRouter : .pauseRouter(reason: "paused from the dashboard"))
    case "R":
        var filter = model.filter
        if filter.statuses.isEmpty { filter.statuses = [.failed] }
        return askPreview(&model, .retryMatching(filter))
    default:
        break
    }

    let tasks = model.targetTasks
    guard !tasks.isEmpty else {
        model.status = StatusMessage("Select a task first (j/k), or mark several with Space.")
        return []
    }
    switch key {
    case "r":
        return askPreview(&model, .retry(tasks))
    case "d":
        model.reasonPrompt = ReasonPrompt(tasks: tasks, text: defaultDeadLetterReason)
        model.status = nil
        return []
    default:
        let allHeld = tasks.allSatisfy { model.knownStatus(of: $0) == .held }
        return askPreview(&model, allHeld ? .resume(tasks) : .hold(tasks))
    }
}

func askPreview(_ model: inout DashboardModel, _ action: OperatorAction) -> [DashboardEffect] {
    model.awaitingPreview = action
    model.status = StatusMessage("Checking what \(action.verb) would touch…")
    return [.preview(action)]
}
