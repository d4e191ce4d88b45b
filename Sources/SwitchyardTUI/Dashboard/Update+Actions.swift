import SwitchyardEngine

/// The change keys: work out the action, then ask for its preview; nothing changes before y.
func requestChange(_ model: inout DashboardModel, _ change: ChangeCommand) -> [DashboardEffect] {
    let name = "\(change.name) (\(KeyTable.key(of: .change(change))))"
    guard mayAskForChange(&model, name) else { return [] }

    switch change {
    case .pause:
        model.modal = .pauseMenu(PauseMenu(choices: pauseChoices(model)))
        model.status = nil
        return []
    case .retryAll:
        var filter = model.filter
        if filter.statuses.isEmpty { filter.statuses = [.failed] }
        return askPreview(&model, .retryMatching(filter))
    case .pauseSchedule, .runScheduleNow, .removeSchedule:
        return requestScheduleChange(&model, change, name: name)
    case .retry, .deadLetter, .hold:
        break
    }

    guard model.view.showsTasks else {
        model.say("\(name) acts on tasks: select one on the dashboard or in the task list.")
        return []
    }
    let tasks = model.targetTasks
    guard !tasks.isEmpty else {
        model.say("Select a task first (j/k), or mark several with Space.")
        return []
    }
    // The cursor stays on the task acted on, whatever arrives before the confirmation.
    if model.marked.isEmpty { chooseCurrent(&model) }
    let action: OperatorAction
    switch change {
    case .retry: action = .retry(tasks)
    case .deadLetter: action = .deadLetter(tasks, reason: defaultDeadLetterReason)
    case .hold, .pause, .retryAll, .pauseSchedule, .runScheduleNow, .removeSchedule:
        let allHeld = tasks.allSatisfy { model.knownStatus(of: $0) == .held }
        action = allHeld ? .resume(tasks) : .hold(tasks)
    }
    if let refusal = refusal(action, tasks: tasks, model: model) {
        model.say(refusal)
        return []
    }
    if case .deadLetter = action {
        model.modal = .reason(ReasonPrompt(tasks: tasks, text: defaultDeadLetterReason))
        model.status = nil
        return []
    }
    return askPreview(&model, action)
}

/// Why `action` cannot apply to any of `tasks`, when the screen knows every one's status and none
/// allows it (a log row's task that is SUCCESS, say); nil when at least one may change. The
/// database checks again when the action runs.
private func refusal(_ action: OperatorAction, tasks: [TaskID], model: DashboardModel) -> String? {
    var reasons: [String] = []
    for id in tasks {
        guard let status = model.knownStatus(of: id),
              let reason = TaskActions.refusal(action, id: id, status: status) else { return nil }
        reasons.append(reason)
    }
    guard let first = reasons.first else { return nil }
    if reasons.count == 1 { return first }
    return "None of the \(tasks.count) marked tasks can be \(action.pastParticiple): " + first
}

/// The P dialog's choices: each switch's opposite of what the snapshot says it is now.
func pauseChoices(_ model: DashboardModel) -> [OperatorAction] {
    let control = model.snapshot?.control
    let paused = control?.globalPaused ?? (model.routerStatus?.state == .paused)
    let reason = "paused from the dashboard"
    var choices: [OperatorAction] = [paused ? .resumeRouter : .pauseRouter(reason: reason)]
    for type in [EventType.entry, .exit] {
        let typePaused = control?.pausedEventTypes.contains(type.rawValue) ?? false
        choices.append(typePaused ? .resumeEventType(type) : .pauseEventType(type, reason: reason))
    }
    return choices
}

/// The P dialog's line for a choice: "Pause every router", "Resume EXIT tasks only".
func pauseChoiceLabel(_ action: OperatorAction) -> String {
    switch action {
    case .pauseRouter: "Pause every router"
    case .resumeRouter: "Resume every router"
    case .pauseEventType(let type, _): "Pause \(type.rawValue) tasks only"
    case .resumeEventType(let type): "Resume \(type.rawValue) tasks"
    default: action.verb
    }
}

/// p, t, X in the schedules view: pause or resume, run now, remove the selected schedule; each
/// previewed and confirmed like every other change.
private func requestScheduleChange(_ model: inout DashboardModel, _ command: ChangeCommand,
                                   name: String) -> [DashboardEffect] {
    guard model.view == .schedules else {
        model.say("\(name) acts on a schedule: open the schedules view (6) and select one.")
        return []
    }
    guard let schedule = model.currentSchedule else {
        model.say("Select a schedule first (j/k).")
        return []
    }
    // The cursor stays on this schedule when the change moves it in the list (paused ones go last).
    chooseCurrent(&model)
    let change: ScheduleBook.Change = switch command {
    case .pauseSchedule: schedule.paused ? .resume : .pause
    case .runScheduleNow: .runNow
    default: .remove
    }
    return askPreview(&model, .schedule(schedule.name, change))
}

/// False, with the reason on the status line, when no change may be asked for now: an observer,
/// or a preview still on its way.
private func mayAskForChange(_ model: inout DashboardModel, _ name: String) -> Bool {
    changesAllowed(&model, name) && !isAwaitingPreview(&model)
}

/// False, with the reason on the status line, in observer mode or for a per-account observer's
/// role: `name` ("retry (r)") is disabled there.
func changesAllowed(_ model: inout DashboardModel, _ name: String) -> Bool {
    if let accounts = model.snapshot?.observedAccounts {
        model.say("Read-only: \(name) is disabled; this role may only read \(accounts.joined(separator: ", ")).")
        return false
    }
    if model.settings.readOnly {
        model.say("Read-only mode: \(name) is disabled (started with --read-only).")
        return false
    }
    return true
}

func askPreview(_ model: inout DashboardModel, _ action: OperatorAction) -> [DashboardEffect] {
    model.modal = .awaitingPreview(action)
    let checking = "Checking what \(action.verb) would touch\u{2026}"
    model.say(checking, lifetime: .untilReplaced)
    model.pendingRequest = PendingRequest(since: model.moment, text: checking, cancellable: true)
    return [.preview(action)]
}
