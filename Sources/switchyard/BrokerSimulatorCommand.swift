import ArgumentParser
import Dispatch
import Glibc
import SwitchyardBroker
import SwitchyardEngine
import SwitchyardHTTP

extension Switchyard {
    struct BrokerSimulatorCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "broker-simulator",
            abstract: "Run a simulated broker for live routing's demo and tests (no real orders).",
            usage: "switchyard broker-simulator --token-env <name> [<options>]",
            discussion: """
                Speaks the order webhook of docs/router.md ("Live routing") on this machine: \
                POST /orders, GET /orders/ID, GET /ledger (every order taken, as JSON) and POST \
                /faults (set the faults below as JSON). Prints the address it listens on, then \
                runs until SIGINT or SIGTERM.
                """)

        @Option(help: ArgumentHelp("Where to listen (127.0.0.1:0 picks a free port).", valueName: "host:port"),
                transform: { text in
                    do { return try ListenAddress(parsing: text) } catch let error as ListenAddressError {
                        throw ValidationError("--listen: \(error.description)")
                    }
                })
        var listen = ListenAddress(host: .ipv4("127.0.0.1"), port: 0)

        @Option(help: ArgumentHelp("The environment variable holding the bearer token requests must carry.",
                                   valueName: "name"))
        var tokenEnv: String

        @Option(help: ArgumentHelp("Answer every order after this long (50ms).", valueName: "duration"),
                transform: TimeSpan.argument)
        var delay: TimeSpan?

        @Option(help: ArgumentHelp("Answer the next n order requests 503, not taking them.", valueName: "n"))
        var failNext = 0

        @Option(help: ArgumentHelp("Take the next n orders, then drop the connection unanswered.", valueName: "n"))
        var dropNext = 0

        @Option(help: ArgumentHelp("Answer the next n order requests 429 with Retry-After.", valueName: "n"))
        var throttleNext = 0

        @Option(help: ArgumentHelp("Seconds in 429 answers' Retry-After.", valueName: "seconds"))
        var retryAfter = 1

        @Option(help: ArgumentHelp("Reject every order of this account (repeatable).", valueName: "account"))
        var rejectAccount: [String] = []

        @Flag(help: "Fill half of each order at once, the rest when it is followed (GET).")
        var partialFill = false

        func validate() throws {
            guard failNext >= 0, dropNext >= 0, throttleNext >= 0 else {
                throw ValidationError("--fail-next, --drop-next and --throttle-next take 0 or more.")
            }
            guard retryAfter >= 0 else { throw ValidationError("--retry-after takes 0 or more seconds.") }
        }

        func run() throws {
            guard let token = getenv(tokenEnv).map({ String(cString: $0) }), !token.isEmpty else {
                throw CommandFailure("The environment variable \(tokenEnv) is not set or empty; --token-env names the "
                    + "variable holding the bearer token (the token itself is never a flag's value).")
            }
            let faults = BrokerFaults(failNext: failNext, throttleNext: throttleNext, retryAfter: retryAfter,
                                      dropAfterRead: dropNext, delayMilliseconds: delay?.duration.milliseconds ?? 0,
                                      rejectAccounts: rejectAccount, partialFill: partialFill)
            let simulator = BrokerSimulator(token: token, faults: faults, address: listen)
            do {
                try simulator.start()
            } catch let error as BrokerSimulatorError {
                throw CommandFailure(error.description + " Choose another --listen.")
            }
            var bound = listen
            bound.port = simulator.port
            print("broker simulator listening on http://\(bound) (simulated: no order leaves it)")
            fflush(nil)  // a process reading the address waits for this line
            let stopped = DispatchSemaphore(value: 0)
            let signals = SignalTrap([SIGINT, SIGTERM, SIGHUP]) { _ in stopped.signal() }
            stopped.wait()
            simulator.stop()
            withExtendedLifetime(signals) {}
            print("broker simulator stopped: \(simulator.ledger.count) orders taken, \(simulator.requestsReceived) requests")
        }
    }
}
