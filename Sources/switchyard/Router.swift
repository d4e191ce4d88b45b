import ArgumentParser
import Dispatch
import Foundation
import Logging
import SwitchyardEngine

extension Switchyard {
    struct Router: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a headless router: claim tasks, route them to accounts, record every result.",
            discussion: """
                Routes in dry-run mode: orders are simulated, nothing leaves the machine. Several \
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

        @Option(help: "Tasks claimed at once (1 or more).")
        var batchSize = 20

        @Option(help: ArgumentHelp("Longest wait between claims, in seconds, when no notification arrives.", valueName: "seconds"))
        var pollInterval = 2.0

        @Option(help: "Orders sent at once within a batch.")
        var concurrency = 4

        @Option(help: ArgumentHelp("Claim loops, each with its own connection: while one writes a batch back, another claims the next. 2 suits a 2-core machine.", valueName: "n"))
        var claimLoops = 1

        @Option(help: ArgumentHelp("How long a claimed task stays leased, in seconds, before another router may take it back after this one dies.", valueName: "seconds"))
        var lease = 10.0

        @Flag(help: "Exit once no task is PENDING, RETRYING or RUNNING.")
        var exitWhenIdle = false

        @Option(help: ArgumentHelp("This router's id in the routers table (default: host-pid-random).", valueName: "id"))
        var routerID: String?

        @Flag(help: "Send real orders (needs a live connector; this build has none).")
        var live = false

        func validate() throws {
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be 1 or more.") }
            guard concurrency >= 1 else { throw ValidationError("--concurrency must be 1 or more.") }
            guard claimLoops >= 1 else { throw ValidationError("--claim-loops must be 1 or more.") }
            guard pollInterval > 0 else { throw ValidationError("--poll-interval must be above 0 seconds.") }
            guard lease >= 1 else { throw ValidationError("--lease must be at least 1 second.") }
        }

        func run() throws {
            logging.bootstrap()
            var configuration = ExecutionRouter.Configuration()
            configuration.batchSize = batchSize
            configuration.pollInterval = .milliseconds(Int64(pollInterval * 1000))
            configuration.concurrency = concurrency
            configuration.claimLoops = claimLoops
            configuration.lease = .milliseconds(Int64(lease * 1000))
            configuration.heartbeatInterval = min(.seconds(2), .milliseconds(Int64(lease * 1000 / 3)))
            configuration.rescueInterval = configuration.heartbeatInterval
            configuration.exitWhenIdle = exitWhenIdle
            configuration.routerID = routerID
            try routing.apply(to: &configuration, live: live, defaultSeed: 1)
            let router: ExecutionRouter
            do {
                router = try ExecutionRouter(settings: try database.settings(), configuration: configuration)
            } catch let error as ConfigurationError {
                throw ValidationError(error.message)
            } catch let error as ActionError {
                // ExecutionRouter's settings checks and RoutingMode.connector() still throw
                // ActionError until they move to ConfigurationError; a usage error either way.
                throw ValidationError(error.message)
            }
            var logger = Logger(label: "switchyard.router")
            logger[metadataKey: "router_id"] = "\(router.routerID)"
            let signals = SignalTrap([SIGINT, SIGTERM, SIGHUP]) { [logger] signal in
                logger.info("received \(signalName(signal)); finishing the batch in flight, then stopping")
                router.requestStop()
            }
            router.start()
            logger.info("""
                router \(router.routerID) started: \(live ? "live" : "dry-run"), batch \(batchSize), poll \(pollInterval)s, \
                concurrency \(concurrency), \(claimLoops) claim loop\(claimLoops == 1 ? "" : "s"), lease \(lease)s, \
                \(configuration.accounts.enabled.count) enabled accounts
                """)
            var lastError: String?
            while true {
                let status = router.status
                if let error = status.lastError, error != lastError {
                    logger.error("\(error)")
                    lastError = error
                }
                if status.state == .stopped { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            withExtendedLifetime(signals) {}
            let status = router.status
            logger.info("""
                router \(router.routerID) stopped: processed \(status.processed) (succeeded \(status.succeeded), \
                retrying \(status.retrying), failed \(status.failed)), recovered \(status.recovered)
                """)
        }
    }
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
