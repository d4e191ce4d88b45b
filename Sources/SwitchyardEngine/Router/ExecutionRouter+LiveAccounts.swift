/// Whether a router routes live accounts, and what it says about those it skips.
extension ExecutionRouter.Configuration {
    /// True when this router sends live accounts' orders (it has a live connector). Its row in
    /// `switchyard_routers` then records `dry_run = false`, and dashboards show LIVE.
    public var routesLive: Bool { liveConnector != nil }

    /// The enabled live accounts this router skips because it routes dry-run only (each of their
    /// orders gets a SKIPPED audit row); empty when it routes live.
    public var skippedLiveAccounts: [String] { routesLive ? [] : accounts.live.map(\.name) }

    /// The line a router says at start when it skips live accounts, or nil when it skips none:
    /// "2 live accounts skipped (apex-live, topstep-live): this router routes dry-run only".
    /// The command line adds how to start one that routes them.
    public var liveSkipNotice: String? {
        let names = skippedLiveAccounts
        guard !names.isEmpty else { return nil }
        return "\(names.count) live account\(names.count == 1 ? "" : "s") skipped (\(names.joined(separator: ", "))): "
            + "this router routes dry-run only"
    }
}
