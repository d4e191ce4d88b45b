import SwitchyardEngine

/// What is on top of the screen and takes the keys first, if anything: one value, so which one
/// wins is the type's job. Opening one closes whatever was open.
public enum Modal: Equatable, Sendable {
    /// `/`: the task list's filter being typed.
    case filter(String)
    /// `d`: the reason being typed before the dead-letter of these tasks is previewed.
    case reason(ReasonPrompt)
    /// `P`: the switches to flip, one selected.
    case pauseMenu(PauseMenu)
    /// An action asked for whose preview has not arrived; keys still move around, Esc cancels.
    case awaitingPreview(OperatorAction)
    /// A previewed action waiting for y or n; it names the ids it acts on, and y acts on those.
    case confirm(ActionPreview)
    /// `e`: a message in full, with its advice; any key closes it.
    case message(StatusMessage)

    /// True while a dialog or a text field takes the keys; false while a preview is awaited.
    var takesKeys: Bool {
        if case .awaitingPreview = self { return false }
        return true
    }
}

/// The P dialog: the switches to flip, one selected.
public struct PauseMenu: Equatable, Sendable {
    /// Pause or resume every router, then ENTRY, then EXIT: each the opposite of its state now.
    public var choices: [OperatorAction]
    public var selected = 0
}

/// A dead-letter reason being typed before the preview is asked for.
public struct ReasonPrompt: Equatable, Sendable {
    public var tasks: [TaskID]
    public var text: String
}

extension OperatorAction {
    /// The tasks an action names one by one; nil for the actions on a filter, a switch or a schedule.
    var namedTasks: [TaskID]? {
        switch self {
        case .retry(let ids), .deadLetter(let ids, _), .hold(let ids), .resume(let ids): ids
        case .retryMatching, .pauseRouter, .resumeRouter, .pauseEventType, .resumeEventType, .schedule: nil
        }
    }
}
