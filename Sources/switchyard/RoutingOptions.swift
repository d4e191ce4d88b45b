import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

/// Where orders go and how the dry-run broker behaves: shared by `switchyard router` and the
/// router embedded in `switchyard monitor`.
struct RoutingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The accounts file (JSON); see docs/router.md.", valueName: "file"))
    var accounts: String?

    @Option(help: ArgumentHelp("Dry-run only: share of orders to refuse (0 to 1), for demos and tests.", valueName: "rate"))
    var failRate = 0.0

    @Option(help: ArgumentHelp("Dry-run only: simulated order latency (250ms, 1s).", valueName: "duration"),
            transform: TimeSpan.argument)
    var latency: TimeSpan?

    /// The flag `--latency` replaced, in milliseconds; still read so scripts keep working.
    @Option(help: .hidden) var latencyMs: Int?

    @Option(help: ArgumentHelp("Seed for the simulated failures, so a run can be repeated (default: 1 for a headless router, the process id for the dashboard's).", valueName: "n"))
    var seed: UInt64?

    func validate() throws {
        guard (0...1).contains(failRate) else { throw ValidationError("--fail-rate takes a share from 0 to 1, e.g. 0.1.") }
        if latency != nil, latencyMs != nil { throw ValidationError("Give --latency, not both it and --latency-ms.") }
        if let latencyMs, latencyMs < 0 { throw ValidationError("--latency-ms must be 0 or more; --latency takes a duration, e.g. 250ms.") }
    }

    /// The accounts a dashboard lists as configured: the accounts file's; without one, the demo set
    /// when this process routes with it, else none. A bad file throws an AccountsError that says
    /// where and what to fix (a runtime failure, exit 1, no usage).
    func configuredAccounts(embeddedRouter: Bool) throws -> [Account] {
        try accounts.map(AccountSet.load(path:))?.accounts ?? (embeddedRouter ? AccountSet.demo.accounts : [])
    }

    /// Sets the accounts and the connectors: dry-run accounts keep the dry-run broker; with
    /// `live`, the file's live accounts send through the order webhook (their tokens read now, so
    /// a missing one stops the start). A bad accounts file throws an AccountsError, a token that
    /// cannot be read a ConfigurationError; each says why.
    func apply(to configuration: inout ExecutionRouter.Configuration, live: Bool = false, defaultSeed: UInt64) throws {
        configuration.accounts = try accounts.map(AccountSet.load(path:)) ?? .demo
        configuration.mode = .dryRun(DryRunConnector(latency: orderLatency, failureRate: failRate, seed: seed ?? defaultSeed))
        if live {
            configuration.liveConnector = try OrderWebhookConnector(accounts: liveAccounts(in: configuration.accounts))
        }
    }

    /// The live accounts of `set` for `--live`; a file with none is refused, saying so.
    func liveAccounts(in set: AccountSet) throws -> [Account] {
        let live = set.accounts.filter(\.isLive)
        guard !live.isEmpty else {
            throw CommandFailure("--live was given, but \(accounts.map { "the accounts file \($0)" } ?? "the demo account set") "
                + "has no account with \"mode\": \"live\" (docs/router.md, \"Live routing\"). "
                + CommandLineAdvice.text(for: .routeDryRun))
        }
        return live
    }

    /// The dry-run broker's latency, from `--latency` or the old `--latency-ms`.
    var orderLatency: Duration { latency?.duration ?? .milliseconds(latencyMs ?? 0) }
}
