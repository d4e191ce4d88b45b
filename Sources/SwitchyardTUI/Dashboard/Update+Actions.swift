import SwitchyardEngine

/// The change keys: work out the action, then ask for its preview; nothing changes before y.
func requestChange(_ model: inout DashboardModel, _ change: ChangeCommand) -> [DashboardEffect] {
    if model.settings.readOnly {
        let name = "\(change.name) (\(KeyTable.key(of: .change(change))))"
        model.status = StatusMessage("Read-only mode: \(name) is disabled (started with --read-only).")
        return []
    }
    if model.awaitingPreview != nil {
        model.status = StatusMessage("Still waiting for the previous preview; Esc cancels it.")
        return []
    }

    switch change {
    case .pause:
        let paused = model.snapshot?.control?.globalPaused ?? (model.routerStatus?.state == .paused)
        return askPreview(&model, paused ? .resumeRouter : .pauseRouter(reason: "paused from the dashboard"))
    case .retryAll:
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
    switch change {
    case .retry:
        return askPreview(&model, .retry(tasks))
    case .deadLetter:
        model.reasonPrompt = ReasonPrompt(tasks: tasks, text: defaultDeadLetterReason)
        model.status = nil
        return []
    case .hold, .pause, .retryAll:
        let allHeld = tasks.allSatisfy { model.knownStatus(of: $0) == .held }
        return askPreview(&model, allHeld ? .resume(tasks) : .hold(tasks))
    }
}

func askPreview(_ model: inout DashboardModel, _ action: OperatorAction) -> [DashboardEffect] {
    model.awaitingPreview = action
    model.status = StatusMessage("Checking what \(action.verb) would touch…")
    return [.preview(action)]
}
