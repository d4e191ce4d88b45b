import FoundationEssentials

/// Alert conditions over a snapshot (`switchyard stats --fail-if-...`): each one tripped is a
/// violation saying which and why. A condition whose part could not be read trips too, so an
/// alert never stays silent because the dashboard could not look.
public struct SnapshotThresholds: Equatable, Sendable {
    /// Trips when the oldest eligible task has waited longer than this many seconds.
    public var maxLag: TimeInterval?
    /// Trips when more than this many tasks are FAILED.
    public var maxFailed: Int?
    /// Trips when no router is live (`RouterLiveness`).
    public var requireRouter: Bool

    /// One tripped condition. The message says what is wrong; naming the option that asked
    /// for the check is the command line's business.
    public struct Violation: Equatable, Sendable {
        public enum Condition: Sendable { case lag, failed, noRouter }
        public var condition: Condition
        public var message: String
    }

    public init(maxLag: TimeInterval? = nil, maxFailed: Int? = nil, requireRouter: Bool = false) {
        self.maxLag = maxLag
        self.maxFailed = maxFailed
        self.requireRouter = requireRouter
    }

    /// The tripped conditions, in the order lag, failed, no router; empty when all is well.
    public func violations(in snapshot: DashboardSnapshot) -> [Violation] {
        var violations: [Violation] = []
        func unreadable(_ condition: Violation.Condition, _ part: SnapshotPart) -> Violation {
            Violation(condition: condition, message: "cannot check, \(part.jsonKey) is unavailable "
                      + "(\(snapshot.unavailable[part.rawValue] ?? "not read")).")
        }
        if let maxLag {
            if let queue = snapshot.queue {
                if let lag = queue.oldestEligibleAge, lag > maxLag {
                    violations.append(Violation(condition: .lag, message: "the oldest eligible task has waited "
                                                + "\(TimeSpan.format(seconds: lag)), more than \(TimeSpan.format(seconds: maxLag, .exact))."))
                }
            } else {
                violations.append(unreadable(.lag, .queue))
            }
        }
        if let maxFailed {
            if let queue = snapshot.queue {
                let failed = queue.count(.failed)
                if failed > maxFailed {
                    violations.append(Violation(condition: .failed, message: "\(failed)"
                        + "\(queue.estimated.contains(.failed) ? " (estimated)" : "") tasks are FAILED, more than \(maxFailed)."))
                }
            } else {
                violations.append(unreadable(.failed, .queue))
            }
        }
        if requireRouter {
            if let routers = snapshot.routers {
                if !routers.contains(where: \.isLive) {
                    violations.append(Violation(condition: .noRouter, message: "no live router "
                                                + "(none heartbeating within its lease, on the database's clock)."))
                }
            } else {
                violations.append(unreadable(.noRouter, .routers))
            }
        }
        return violations
    }
}
