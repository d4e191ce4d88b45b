import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import SwitchyardEngine

extension Switchyard {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue a steady stream of synthetic trades (an ENTRY and its EXIT each).",
            usage: "switchyard demo [<options>]",
            discussion: """
                A share of the trades gets a malformed ENTRY (stop equal to entry), so failures show \
                on the dashboard. Each trade stays open for --hold (its EXIT is SCHEDULED that \
                far ahead), and one ENTRY in four is tried once, so a refusal by the router's dry-run \
                broker (--fail-rate) leaves a FAILED ENTRY that an operator's retry can still place. \
                Stops after --duration, or on SIGINT/SIGTERM/SIGHUP.
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions
        @Option(help: "Trades per second.") var rate = 5.0
        @Option(help: ArgumentHelp("How long to run; without it, until interrupted.", valueName: "duration"),
                transform: TimeSpan.argument) var duration: TimeSpan?
        @Option(help: ArgumentHelp("Share of trades with a malformed ENTRY (0 to 1).", valueName: "share")) var malformed = 0.05
        @Option(help: ArgumentHelp("How long each trade stays open before its EXIT may run (default 90s; 0: at once).", valueName: "duration"),
                transform: TimeSpan.argument) var hold = TimeSpan(.seconds(90))

        func validate() throws {
            guard rate > 0 else { throw ValidationError("--rate must be above 0 trades per second.") }
            guard (0...1).contains(malformed) else { throw ValidationError("--malformed takes a share from 0 to 1.") }
        }

        func run() throws {
            logging.bootstrap()
            let logger = Logger(label: "switchyard.demo")
            let traffic = DemoTraffic(settings: try database.settings(), tradesPerSecond: rate, malformedShare: malformed,
                                      holdTime: hold.duration)
            let signals = SignalTrap([SIGINT, SIGTERM, SIGHUP]) { _ in traffic.stop() }
            logger.info("demo traffic: \(rate) trades/s\(duration.map { " for \($0)" } ?? " until interrupted")")
            traffic.start(duration: duration?.duration)
            traffic.waitUntilFinished()
            withExtendedLifetime(signals) {}
            let progress = traffic.progress
            logger.info("demo traffic stopped: \(progress.enqueued) tasks enqueued\(progress.lastError.map { "; last error: \($0)" } ?? "")")
        }
    }
}
