import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import SwitchyardEngine
import SwitchyardMetrics
import SwitchyardTUI

extension Switchyard {
    struct Monitor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The dashboard: queue depth, rates, recent logs, failed tasks and routers, live.",
            discussion: """
                Modes: operator (the default) runs a dry-run router in this process and may retry, \
                dead-letter, hold and pause; --no-router leaves routing to routers elsewhere; \
                --read-only is an observer: a read-only database session, no router, and every \
                change key explains that it is disabled. The embedded router skips live accounts \
                (and says so) unless started with --live, which asks you to type LIVE before the \
                screen opens; the header then shows [LIVE] (docs/operations.md, "Running live").

                Keys: ? shows them all. q (or Esc) goes back, then quits. Ctrl-C, SIGTERM and SIGHUP \
                quit too; the terminal is always restored and the embedded router finishes or \
                releases its batch in flight. Operating over SSH and under tmux: docs/operations.md.
                """)

        @OptionGroup var database: DatabaseOptions
        /// The embedded router's accounts and dry-run behaviour.
        @OptionGroup var routing: RoutingOptions
        /// The embedded router's lines on stderr, once the screen is closed.
        @OptionGroup var logging: LoggingOptions
        /// The embedded router's metrics and the process's health (operator mode only).
        @OptionGroup var metrics: MetricsOptions

        @Flag(help: "Observer mode: read-only session, no router, no changes possible.")
        var readOnly = false

        @Flag(help: "Do not run the embedded router (routers run elsewhere).")
        var noRouter = false

        @Flag(help: "Route live accounts too (real orders); asks you to type LIVE first.")
        var live = false

        @Option(help: ArgumentHelp("Refresh interval, at least 250ms (default 1s; + and - change it).", valueName: "duration"),
                transform: TimeSpan.argument)
        var refresh = TimeSpan(.seconds(1))

        @Option(help: ArgumentHelp("Exit after this many refreshes (for scripts and tests).", valueName: "n"))
        var maxRefreshes: Int?

        @Flag(help: "ASCII lines and charts even in a UTF-8 locale.")
        var ascii = false

        @Flag(help: "No colours (NO_COLOR in the environment does the same).")
        var noColor = false

        @Flag(help: "Also enqueue demo traffic: a steady stream of trades, each open for 90 s, some tried once, some malformed.")
        var demo = false

        @Option(help: ArgumentHelp("With --demo: trades per second.", valueName: "n"))
        var demoRate = 2.0


        func validate() throws {
            guard refresh.duration > .zero else { throw ValidationError("--refresh takes a duration above 0, e.g. 1s or 500ms.") }
            if let maxRefreshes, maxRefreshes < 1 { throw ValidationError("--max-refreshes takes a count of 1 or more.") }
            guard demoRate > 0 else { throw ValidationError("--demo-rate must be above 0 trades per second.") }
            if readOnly && demo { throw ValidationError("--demo writes tasks; it cannot run with --read-only.") }
            if live && readOnly {
                throw ValidationError("--live routes real orders; an observer (--read-only) runs no router. Drop one of them.")
            }
            if live && noRouter {
                throw ValidationError("--live is for the embedded router, and --no-router runs none. Drop one of them.")
            }
            if readOnly && metrics.metricsListen != nil {
                throw ValidationError("""
                    --metrics-listen serves an operator's metrics and health; an observer (--read-only) runs \
                    no router to report on. Scrape the routers' own --metrics-listen, or drop --read-only.
                    """)
            }
        }

        func run() async throws {
            logging.bootstrap()
            let registry = metrics.bootstrap()
            let settings = try database.settings(readOnly: readOnly)
            // The dashboard's own connections (its check, LISTEN, its reads) wait for answers no
            // longer than a dashboard should; the embedded router keeps the standard deadline.
            let dashboardSettings = settings.answering(within: AnswerDeadline.dashboard)
            let runsRouter = !readOnly && !noRouter
            // Fail before the screen opens: a bad URL, a wrong password or an unmigrated database.
            do {
                let connection = try PGConnection(settings: dashboardSettings)
                defer { connection.close() }
                if !readOnly {
                    let migrator = Migrator()
                    let current = try migrator.currentVersion(on: connection)
                    guard current >= migrator.latestVersion else {
                        writeToStandardError("""
                            This database's Switchyard schema is at version \(current) of \(migrator.latestVersion). \
                            Run `switchyard migrate` first, or watch it as it is with --read-only.

                            """)
                        throw ExitStatus.failure
                    }
                }
            } catch let error as DatabaseError {
                writeToStandardError(CommandLineAdvice.describe(error) + "\n")
                throw ExitStatus.failure
            }

            // One LISTEN connection for the whole process: the dashboard and its router share it.
            let notifier = TaskNotifier(settings: dashboardSettings)
            // Live routing is confirmed before anything starts (the screen, the LISTEN connection,
            // the router's first claim); without --live, the live accounts skipped are named.
            if live {
                let accounts = try AccountSet(accounts: routing.configuredAccounts(embeddedRouter: true))
                try LiveConfirmation.ask(liveAccounts: routing.liveAccounts(in: accounts).map(\.name))
            }
            let router = runsRouter ? try embeddedRouter(settings: settings, notifier: notifier) : nil
            // On stderr (seen once the screen closes, and by a log collector) and on the status line.
            let skipped = router?.configuration.liveSkipNotice.map { "\($0); \(CommandLineAdvice.routeLiveAccounts)" }
            if let skipped { Logger(label: "switchyard.monitor").notice("\(skipped)") }
            notifier.start()
            defer { notifier.stop() }
            // Listening before the screen opens, so a port in use is reported on a normal terminal.
            let metricsServer: MetricsServer?
            do {
                metricsServer = try await metrics.start(registry: registry, settings: settings) {
                    router.map(MetricsServer.RouterHealth.of) ?? .noRouter
                }
            } catch let error as MetricsListenFailure {
                writeToStandardError(error.description + "\n")
                throw ExitStatus.failure
            }
            let traffic = demo ? DemoTraffic(settings: dashboardSettings, tradesPerSecond: demoRate) : nil
            router?.start()
            traffic?.start()

            // The accounts panel lists the accounts file's accounts (the embedded router's demo set
            // when it runs without one) beside those seen in the data.
            let configured = try routing.configuredAccounts(embeddedRouter: runsRouter)
            let backend = EngineDashboardBackend(settings: settings, router: router, notifier: notifier,
                                                 configuredAccounts: configured)
            let options = DashboardOptions(
                settings: DashboardSettings(databaseNames: settings.endpoint().names, readOnly: readOnly),
                refresh: refresh.duration, maxRefreshes: maxRefreshes, ascii: ascii,
                noColor: noColor, startNotice: skipped)
            let exit: DashboardExit
            // Once the dashboard has given the terminal back, the stop signals it was catching
            // get their old disposition again, while the router may still be finishing its batch:
            // a dropped SSH session often sends SIGHUP more than once, and the default action
            // would kill the process with that batch RUNNING (its orders sent again after the
            // lease). So the old disposition is "ignore"; the dashboard catches them while it
            // runs. A write to a terminal or pipe that is gone must not kill it either.
            for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { signal(number, SIG_IGN) }
            do {
                let terminal = try NCursesTerminal(options: options)
                exit = await DashboardRuntime(backend: backend, options: options).run(terminal: terminal)
            } catch let error as TerminalError {
                await shutDown(traffic: traffic, router: router, metricsServer: metricsServer, backend: backend)
                writeToStandardError(error.description + "\n")
                throw ExitStatus.failure
            }
            // The screen is back to normal: stderr is readable again (unless the terminal is gone).
            await shutDown(traffic: traffic, router: router, metricsServer: metricsServer, backend: backend)
            if case .signal(let number) = exit { throw ExitStatus.signal(number) }
        }

        /// Stops what ran beside the dashboard, never waiting on a database that does not answer:
        /// the demo traffic (not waited for beyond a second), the embedded router (once stopping it
        /// waits at most `AnswerDeadline.stopping` for each answer; a batch it cannot write back is
        /// left to its lease and named), the metrics server and the dashboard's connections
        /// (closed without waiting). The notifier is stopped by `run`'s `defer`, the same way.
        private func shutDown(traffic: DemoTraffic?, router: ExecutionRouter?, metricsServer: MetricsServer?,
                              backend: EngineDashboardBackend) async {
            if let traffic { _ = runOnDedicatedThread(waitingAtMost: .seconds(1)) { traffic.stop() } }
            if let router {
                await router.stop()
                let status = router.status
                var logger = Logger(label: "switchyard.monitor")
                logger[metadataKey: "router_id"] = "\(router.routerID)"
                logger.info("""
                    embedded router stopped: processed \(status.processed) (succeeded \(status.succeeded), \
                    retrying \(status.retrying), failed \(status.failed))
                    """)
                if let left = leftToLeaseText(status.leftToLease, lease: router.configuration.lease) { logger.warning("\(left)") }
            }
            await metricsServer?.stop()
            backend.close()
        }

        private func embeddedRouter(settings: ConnectionSettings, notifier: TaskNotifier) throws -> ExecutionRouter {
            var configuration = ExecutionRouter.Configuration()
            try routing.apply(to: &configuration, live: live, defaultSeed: UInt64(ProcessInfo.processInfo.processIdentifier))
            do {
                return try ExecutionRouter(settings: settings, configuration: configuration, notifier: notifier)
            } catch let error as ConfigurationError {
                throw CommandFailure(CommandLineAdvice.describe(error))
            }
        }
    }
}
