import ArgumentParser
import Dispatch
import FoundationEssentials
import Glibc
import Logging
import SwitchyardEngine
import SwitchyardMetrics

extension Switchyard {
    struct Router: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a headless router: claim tasks, route them to accounts, record every result.",
            discussion: """
                Routes in dry-run mode: orders are simulated, nothing leaves the machine. With \
                --live, accounts the file marks "mode": "live" get real orders through their \
                broker's order webhook; without it they are skipped. Several \
                routers, on one machine or many, share the queue safely. A new task wakes an idle \
                router at once (LISTEN/NOTIFY); --poll-interval is only the fallback.

                SIGINT, SIGTERM and SIGHUP stop it gracefully: no new claims, the batch in flight \
                is finished and written back, nothing is left RUNNING.

                Accounts come from --accounts (format: docs/router.md); without it, the built-in \
                demo accounts are used.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var routing: RoutingOptions
        @OptionGroup var logging: LoggingOptions
        @OptionGroup var metrics: MetricsOptions

        @Option(help: ArgumentHelp("The most tasks one claim may lock. Claims adapt below it: small while the queue is quiet, doubling while a backlog lasts.", valueName: "n"))
        var batchSize = TaskClaimer.Config().maximum

        @Flag(help: "Claim exactly --batch-size tasks every time instead of adapting.")
        var fixedBatchSize = false

        @Option(help: ArgumentHelp("Longest wait between claims when no notification arrives (default \(TimeSpan(ExecutionRouter.Configuration().pollInterval))).", valueName: "duration"),
                transform: TimeSpan.argument)
        var pollInterval = TimeSpan(ExecutionRouter.Configuration().pollInterval)

        @Option(help: "Orders sent at once within a batch.")
        var concurrency = ExecutionRouter.Configuration().concurrency

        @Option(help: ArgumentHelp("Claim loops, each with its own connection: while one writes a batch back, another claims the next (default: one per core, 2 to 8).", valueName: "n"))
        var claimLoops = ExecutionRouter.defaultClaimLoops

        @Option(help: ArgumentHelp("How long a claimed task stays leased before another router may take it back after this one dies (default \(TimeSpan(TaskClaimer.Config().lease))).", valueName: "duration"),
                transform: TimeSpan.argument)
        var lease = TimeSpan(TaskClaimer.Config().lease)

        @Option(help: ArgumentHelp("How long per-minute counts are kept before they are rolled up into hours (default 48h, at least 1d).", valueName: "duration"),
                transform: TimeSpan.argument)
        var keepMinutes = TimeSpan(DerivedTablePruner.Config().keepMinutes)

        @Option(help: ArgumentHelp("How long hourly counts are kept (default 400d).", valueName: "duration"),
                transform: TimeSpan.argument)
        var keepHours = TimeSpan(DerivedTablePruner.Config().keepHours)

        @Option(help: ArgumentHelp("How long delivered alert messages and schedule runs are kept (default 30d, at least 1d).", valueName: "duration"),
                transform: TimeSpan.argument)
        var keepRecords = TimeSpan(DerivedTablePruner.Config().keepRecords)

        @Flag(help: "Exit once no task is PENDING, RETRYING or RUNNING.")
        var exitWhenIdle = false

        @Option(help: ArgumentHelp("This router's id in the routers table (default: host-pid-random).", valueName: "id"))
        var routerID: String?

        @Flag(help: "Route live accounts too: real orders to their brokers (docs/router.md).")
        var live = false

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be 1 or more.") }
            guard concurrency >= 1 else { throw ValidationError("--concurrency must be 1 or more.") }
            guard claimLoops >= 1 else { throw ValidationError("--claim-loops must be 1 or more.") }
            guard pollInterval.duration > .zero else { throw ValidationError("--poll-interval must be above 0, e.g. 2s or 500ms.") }
            guard lease.duration >= .seconds(1) else { throw ValidationError("--lease must be at least 1s.") }
            do {
                try pruning.validate()
            } catch let error as ConfigurationError {
                throw ValidationError("\(error.message) Check --keep-minutes, --keep-hours and --keep-records.")
            }
        }

        /// The retention options as the pruner's settings.
        var pruning: DerivedTablePruner.Config {
            var config = DerivedTablePruner.Config()
            (config.keepMinutes, config.keepHours, config.keepRecords) = (keepMinutes.duration, keepHours.duration, keepRecords.duration)
            return config
        }

        func run() throws {
            logging.bootstrap()
            // Before the router is made: it takes its counters from the factory installed here.
            let registry = metrics.bootstrap()
            var configuration = ExecutionRouter.Configuration()
            configuration.batchSize = batchSize
            configuration.claim.fixed = fixedBatchSize
            configuration.pollInterval = pollInterval.duration
            configuration.concurrency = concurrency
            configuration.claimLoops = claimLoops
            configuration.lease = lease.duration
            configuration.heartbeatInterval = min(.seconds(2), lease.duration / 3)
            configuration.rescueInterval = configuration.heartbeatInterval
            configuration.exitWhenIdle = exitWhenIdle
            configuration.pruning = pruning
            configuration.routerID = routerID
            let router: ExecutionRouter
            let settings = try database.settings()
            do {
                try routing.apply(to: &configuration, live: live, defaultSeed: 1)
                router = try ExecutionRouter(settings: settings, configuration: configuration)
            } catch let error as ConfigurationError {
                throw CommandFailure(CommandLineAdvice.describe(error))
            }
            // Listening before routing: a port in use stops the command before it claims anything.
            let metricsServer: MetricsServer?
            do {
                metricsServer = try metrics.startBlocking(registry: registry, settings: settings) { .of(router) }
            } catch let error as MetricsListenFailure {
                writeToStandardError(error.description + "\n")
                throw ExitStatus.failure
            }
            var logger = Logger(label: "switchyard.router")
            logger[metadataKey: "router_id"] = "\(router.routerID)"
            let signals = SignalTrap([SIGINT, SIGTERM, SIGHUP]) { [logger] signal in
                logger.info("received \(signalName(signal)); finishing the batch in flight, then stopping")
                router.requestStop()
            }
            router.onError { [logger] in logger.error("\($0)") }
            router.onNotice { [logger] in logger.notice("\($0)") }
            router.start()
            logger.info("""
                router \(router.routerID) started: \(live ? "live" : "dry-run"), batch \(fixedBatchSize ? "" : "up to ")\(batchSize), \
                poll \(pollInterval), concurrency \(concurrency), \(claimLoops) claim loop\(claimLoops == 1 ? "" : "s"), \
                lease \(lease), \(configuration.accounts.enabled.count) enabled accounts
                """)
            if let skipped = configuration.liveSkipNotice { logger.notice("\(skipped); \(CommandLineAdvice.routeLiveAccounts)") }
            router.waitUntilStoppedBlocking()
            metricsServer?.stopBlocking()
            withExtendedLifetime(signals) {}
            let status = router.status
            let refused = status.refused > 0 ? ", \(status.refused) of them ENTRYs refused as their trade's EXIT already ran" : ""
            logger.info("""
                router \(router.routerID) stopped: processed \(status.processed) (succeeded \(status.succeeded), \
                retrying \(status.retrying), failed \(status.failed)\(refused)), recovered \(status.recovered)
                """)
            if let left = leftToLeaseText(status.leftToLease, lease: configuration.lease) { logger.warning("\(left)") }
        }
    }
}

/// What a router's stop left to the lease, for its last log line; nil when nothing.
func leftToLeaseText(_ tasks: [TaskID], lease: Duration) -> String? {
    guard !tasks.isEmpty else { return nil }
    let ids = tasks.map { "\($0.rawValue)" }.joined(separator: ", ")
    return """
        the database did not answer during the stop: task\(tasks.count == 1 ? "" : "s") \(ids) not confirmed \
        written back; unless the write-back reached the server, \(tasks.count == 1 ? "it stays" : "they stay") \
        RUNNING under this router's lease (\(TimeSpan.format(lease))) and any router takes \(tasks.count == 1 ? "it" : "them") \
        back when it ends
        """
}

/// Turns signals into a callback on a dispatch queue (DispatchSource), ignoring their default action.
final class SignalTrap: @unchecked Sendable {
    // Safe because `sources` is set once in init and only cancelled in deinit.
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}

func signalName(_ number: Int32) -> String {
    switch number {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    case SIGHUP: "SIGHUP"
    default: "signal \(number)"
    }
}
