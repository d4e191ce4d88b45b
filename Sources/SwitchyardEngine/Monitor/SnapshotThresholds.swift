import Foundation

/// Alert conditions for `switchyard stats --fail-if-...`: each one tripped is a line saying
/// which and why. A condition whose part could not be read trips too, so an alert never
/// stays silent because the dashboard could not look.
public struct SnapshotThresholds: Equatable, Sendable {
    /// Trips when the oldest eligible task has waited longer than this many seconds.
    public var maxLag: TimeInterval?
    /// Trips when more than this many tasks are FAILED.
    public var maxFailed: Int?
    /// Trips when no running router has sent a heartbeat recently.
    public var requireRouter: Bool

    public init(maxLag: TimeInterval? = nil, maxFailed: Int? = nil, requireRouter: Bool = false) {
        self.maxLag = maxLag
        self.maxFailed = maxFailed
        self.requireRouter = requireRouter
    }

    /// The tripped conditions, one message each; empty when all is well.
    public func violations(in snapshot: DashboardSnapshot) -> [String] {
        var messages: [String] = []
        func unreadable(_ flag: String, _ part: SnapshotPart) -> String {
            "\(flag): cannot check, \(part.jsonKey) is unavailable (\(snapshot.unavailable[part.rawValue] ?? "not read"))."
        }
        if let maxLag {
            if let queue = snapshot.queue {
                if let lag = queue.oldestEligibleAge, lag > maxLag {
                    messages.append("--fail-if-lag: the oldest eligible task has waited \(Self.seconds(lag)), "
                                    + "more than \(Self.seconds(maxLag)).")
                }
            } else {
                messages.append(unreadable("--fail-if-lag", .queue))
            }
        }
        if let maxFailed {
            if let queue = snapshot.queue {
                let failed = queue.count(.failed)
                if failed > maxFailed {
                    messages.append("--fail-if-failed: \(failed)\(queue.estimated.contains(.failed) ? " (estimated)" : "") "
                                    + "tasks are FAILED, more than \(maxFailed).")
                }
            } else {
                messages.append(unreadable("--fail-if-failed", .queue))
            }
        }
        if requireRouter {
            if let routers = snapshot.routers {
                if !routers.contains(where: \.isLive) {
                    messages.append("--fail-if-no-router: no live router (none heartbeating within its lease, on the database's clock).")
                }
            } else {
                messages.append(unreadable("--fail-if-no-router", .routers))
            }
        }
        return messages
    }

    /// "90 s", "1.5 s".
    static func seconds(_ value: TimeInterval) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) s" : "\(rounded) s"
    }
}
