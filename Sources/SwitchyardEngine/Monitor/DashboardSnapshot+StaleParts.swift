import FoundationEssentials

extension DashboardSnapshot {
    /// This snapshot with each part it could not read (timed out, waited for a lock) filled in
    /// from `earlier`, so a dashboard keeps showing the last value it had, marked stale, rather
    /// than an empty panel.
    ///
    /// The reason stays in `unavailable`: a part that is present *and* listed there is stale.
    /// Task lists are kept only from a snapshot read with the same filter, and nothing is kept
    /// from a snapshot taken after this one. A part `earlier` lacked stays missing.
    public func keepingEarlierParts(from earlier: DashboardSnapshot?) -> DashboardSnapshot {
        guard let earlier, earlier.takenAt <= takenAt else { return self }
        var merged = self
        func keep<Part>(_ part: SnapshotPart, _ path: WritableKeyPath<DashboardSnapshot, Part?>) {
            guard self[keyPath: path] == nil, unavailable[part.rawValue] != nil else { return }
            merged[keyPath: path] = earlier[keyPath: path]
        }
        keep(.queue, \.queue)
        keep(.rates, \.rates)
        keep(.recentLogs, \.recentLogs)
        keep(.accounts, \.accounts)
        keep(.routers, \.routers)
        keep(.control, \.control)
        keep(.schedules, \.schedules)
        keep(.alerts, \.alerts)
        if earlier.filter == filter {
            keep(.failedTasks, \.failedTasks)
            keep(.deadTasks, \.deadTasks)
            keep(.heldTasks, \.heldTasks)
        }
        return merged
    }

    /// True when `part` is shown from an earlier snapshot because this one could not read it.
    public func isStale(_ part: SnapshotPart) -> Bool {
        unavailable[part.rawValue] != nil && isPresent(part)
    }

    /// True when the snapshot holds `part` (read now, or kept from an earlier read).
    public func isPresent(_ part: SnapshotPart) -> Bool {
        switch part {
        case .queue: queue != nil
        case .rates: rates != nil
        case .recentLogs: recentLogs != nil
        case .failedTasks: failedTasks != nil
        case .deadTasks: deadTasks != nil
        case .heldTasks: heldTasks != nil
        case .accounts: accounts != nil
        case .routers: routers != nil
        case .control: control != nil
        case .schedules: schedules != nil
        case .alerts: alerts != nil
        }
    }
}
