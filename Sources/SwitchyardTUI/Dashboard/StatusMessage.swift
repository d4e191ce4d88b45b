import FoundationEssentials
import SwitchyardEngine

/// A message in full: the status line (or the offline banner) shows its first line, `e` shows
/// all of it. It goes when the situation it describes ends (see `Lifetime`).
public struct StatusMessage: Equatable, Sendable {
    /// The first line: what happened.
    public var text: String
    /// The lines after it: the server's detail and what to do.
    public var advice: [String]
    public var isError: Bool
    /// When it was shown, on the model's clock.
    public var at: Date
    public var lifetime: Lifetime

    /// What ends a message.
    public enum Lifetime: Equatable, Sendable {
        /// A plain confirmation or notice: goes `StatusMessage.briefSeconds` after it was shown.
        case brief
        /// Stays until another message takes its place: a wait still on, an action refused.
        case untilReplaced
        /// Shown while the database did not answer: goes when a snapshot arrives again.
        case untilConnected
        /// About a switch: goes once a snapshot that showed `claim` holding shows it no longer
        /// does (someone changed it again), and at the latest `stateSeconds` after it was shown.
        case whileTrue(StateClaim, seen: Bool)
    }

    /// Seconds a plain confirmation stays on the status line.
    public static let briefSeconds: TimeInterval = 10
    /// Seconds a message about a switch stays at most.
    public static let stateSeconds: TimeInterval = 60

    /// Splits `description` ("what happened\nwhat to do") and puts `context` before its first line.
    public init(_ description: String, context: String = "", isError: Bool = false, at: Date,
                lifetime: Lifetime = .brief) {
        let lines = description.split(whereSeparator: \.isNewline).map { $0.trimmed }.filter { !$0.isEmpty }
        text = context + (lines.first ?? description)
        advice = Array(lines.dropFirst())
        self.isError = isError
        self.at = at
        self.lifetime = lifetime
    }

    /// The whole message as one text, for "does it fit on one line".
    var fullText: String { ([text] + advice).joined(separator: " ") }

    /// False once the clock says the message has had its time.
    func isCurrent(at now: Date) -> Bool {
        let age = now.timeIntervalSince(at)
        switch lifetime {
        case .brief: return age < Self.briefSeconds
        case .whileTrue: return age < Self.stateSeconds
        case .untilReplaced, .untilConnected: return true
        }
    }

    /// The message after a snapshot arrived; nil when what it describes has ended.
    func after(_ snapshot: DashboardSnapshot) -> StatusMessage? {
        switch lifetime {
        case .untilConnected:
            return nil
        case .whileTrue(let claim, let seen):
            switch claim.holds(in: snapshot) {
            case true?:
                var message = self
                message.lifetime = .whileTrue(claim, seen: true)
                return message
            case false? where seen:
                return nil
            default:
                return self   // an older read, or one that does not say
            }
        case .brief, .untilReplaced:
            return self
        }
    }
}

/// What a message about a switch says is so: "Resumed every router." claims the routers are
/// not paused.
public enum StateClaim: Equatable, Sendable {
    case routersPaused(Bool)
    case eventTypePaused(EventType, Bool)
    case schedulePaused(String, Bool)

    /// What a completed action leaves true; nil for actions on tasks (events, not states).
    init?(after action: OperatorAction) {
        switch action {
        case .pauseRouter: self = .routersPaused(true)
        case .resumeRouter: self = .routersPaused(false)
        case .pauseEventType(let type, _): self = .eventTypePaused(type, true)
        case .resumeEventType(let type): self = .eventTypePaused(type, false)
        case .schedule(let name, .pause): self = .schedulePaused(name, true)
        case .schedule(let name, .resume): self = .schedulePaused(name, false)
        case .schedule, .retry, .retryMatching, .deadLetter, .hold, .resume: return nil
        }
    }

    /// Whether `snapshot` shows the claim holding; nil when it does not say.
    func holds(in snapshot: DashboardSnapshot) -> Bool? {
        switch self {
        case .routersPaused(let paused):
            return snapshot.control.map { $0.globalPaused == paused }
        case .eventTypePaused(let type, let paused):
            return snapshot.control.map { $0.pausedEventTypes.contains(type.rawValue) == paused }
        case .schedulePaused(let name, let paused):
            guard let schedules = snapshot.schedules else { return nil }
            // A schedule removed meanwhile: what the message said is over.
            return schedules.first { $0.name == name }.map { $0.paused == paused } ?? false
        }
    }
}
