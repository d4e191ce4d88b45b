import Dispatch
import FoundationEssentials
import Glibc
import Prometheus
import SwitchyardEngine
import SwitchyardHTTP

/// `--metrics-listen`: serves Prometheus' text format at `/metrics` and a health check at
/// `/healthz`, with `HTTPListener`.
///
/// `/metrics` is the process's own counters (the router's, through swift-metrics into
/// `registry`) and the cluster's figures read from the database at scrape time
/// (`DatabaseGauge.standard`: tasks by status, lag, live routers), cached for `cacheFor` so many
/// scrapers cost one read. `/healthz` answers 200 while the database answers and the router runs,
/// 503 with the reason otherwise.
///
/// Nothing here can slow routing: the router's threads only touch atomic counters, and the
/// database is read on connections of the server's own, on their own dispatch queues (libpq
/// blocks); a request waits for them at most `databaseTimeout` / `healthTimeout`, so /healthz
/// answers promptly even when the database hangs.
public final class MetricsServer: Sendable {
    public struct Configuration: Sendable {
        public var address: ListenAddress
        /// A database reading younger than this is served again instead of read anew.
        public var cacheFor: Duration = .seconds(1)
        /// Longest a scrape waits for the database gauges; they are then left out, with
        /// `switchyard_database_up 0`.
        public var databaseTimeout: Duration = .seconds(3)
        /// Longest /healthz waits for the database's answer before saying 503.
        public var healthTimeout: Duration = .seconds(2)
        /// The figures read from the database at scrape time.
        public var gauges: [DatabaseGauge] = DatabaseGauge.standard
        /// Statement and lock timeouts of the gauges' reads.
        public var queries = MonitorQueries()

        public init(address: ListenAddress) {
            self.address = address
        }
    }

    /// What /healthz says about the router part of the process.
    public enum RouterHealth: Sendable, Equatable {
        /// Routing; the text names the router.
        case running(String)
        /// Not routing (starting, stopping, stopped), and why.
        case notRunning(String)
        /// This process runs no router (a dashboard with `--no-router`): only the database counts.
        case noRouter
    }

    public let configuration: Configuration
    public let registry: PrometheusCollectorRegistry
    private let listener: HTTPListener
    private let gaugeClient: DatabaseClient
    private let healthClient: DatabaseClient
    private let gaugeReading: SharedReading<DatabaseGaugeReading>
    private let databaseCheck: SharedReading<Bool>
    private let routerHealth: @Sendable () -> RouterHealth

    /// A server for the database at `settings` and the process counters in `registry` (the
    /// registry behind the `PrometheusFactory` the process bootstrapped). `router` tells
    /// /healthz whether the router runs.
    public init(settings: ConnectionSettings, registry: PrometheusCollectorRegistry, configuration: Configuration,
                router: @escaping @Sendable () -> RouterHealth) {
        self.configuration = configuration
        self.registry = registry
        self.routerHealth = router
        var own = settings
        own.applicationName = "switchyard-metrics"
        let gaugeClient = DatabaseClient(settings: own)
        let healthClient = DatabaseClient(settings: own)
        self.gaugeClient = gaugeClient
        self.healthClient = healthClient
        let (gauges, queries) = (configuration.gauges, configuration.queries)
        gaugeReading = SharedReading(maxAge: configuration.cacheFor, timeout: configuration.databaseTimeout) {
            await capture { try await gaugeClient.withConnection { try queries.readGauges(gauges, on: $0) } }
        }
        databaseCheck = SharedReading(maxAge: .milliseconds(500), timeout: configuration.healthTimeout) {
            await capture { try await healthClient.withConnection { try $0.execute("SELECT 1").rows.count == 1 } }
        }
        listener = HTTPListener(address: configuration.address)
    }

    /// Starts listening; returns the address it listens on (the port the system chose, for
    /// port 0). Throws `MetricsServerError` when it cannot (the port is taken, the address is
    /// not this machine's).
    @discardableResult
    public func start() async throws -> ListenAddress {
        try startBlocking()
    }

    /// The same, from code that is not async (a command's `run()`): binding does not block.
    @discardableResult
    public func startBlocking() throws -> ListenAddress {
        do {
            let port = try listener.start { [self] request in
                guard request.method == "GET" else { return .text(405, "only GET\n") }
                switch request.path {
                case "/metrics": return await metricsResponse()
                case "/healthz": return await healthResponse()
                default: return nil
                }
            }
            var address = configuration.address
            address.port = port
            return address
        } catch {
            throw MetricsServerError(address: configuration.address, underlying: error)
        }
    }

    /// Stops listening and closes the server's database connections.
    public func stop() async {
        stopBlocking()
    }

    /// The same, from code that is not async.
    public func stopBlocking() {
        listener.stop()
        gaugeClient.close()
        healthClient.close()
    }

    // MARK: Responses

    /// The text exposition: the process's counters, then the database gauges and whether they
    /// could be read.
    func metricsResponse() async -> HTTPListener.Response {
        let reading = await gaugeReading.value()
        var body = registry.emitToBuffer()
        let scrape = PrometheusCollectorRegistry()
        let up = scrape.makeGauge(descriptor: .switchyard(
            "switchyard_database_up",
            help: "1 when this scrape could read the database gauges, 0 when it could not (they are then missing)."))
        switch reading {
        case .success(let reading):
            up.set(to: 1)
            scrape.makeGauge(descriptor: .switchyard(
                "switchyard_database_read_seconds",
                help: "How long the last read of the database gauges took, in seconds (readings are cached for a second)."))
                .set(to: reading.duration.seconds)
            for gauge in configuration.gauges {
                for sample in reading.samples[gauge.name] ?? [] {
                    scrape.makeGauge(descriptor: .switchyard(gauge.name, help: gauge.help), labels: sample.labels)
                        .set(to: sample.value)
                }
            }
        case .failure:
            up.set(to: 0)
        }
        scrape.emit(into: &body)
        return HTTPListener.Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
    }

    /// 200 "ok: ..." while the database answers and the router runs; 503 with the reasons otherwise.
    func healthResponse() async -> HTTPListener.Response {
        var problems: [String] = []
        var fine: [String] = []
        switch await databaseCheck.value() {
        case .success: fine.append("database answers")
        case .failure(let error): problems.append("database: \(Self.describe(error))")
        }
        switch routerHealth() {
        case .running(let text): fine.append(text)
        case .notRunning(let reason): problems.append("router: \(reason)")
        case .noRouter: fine.append("no router in this process")
        }
        let (status, text) = problems.isEmpty
            ? (200, "ok: " + fine.joined(separator: "; "))
            : (503, "unhealthy: " + problems.joined(separator: "; "))
        return HTTPListener.Response(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8))
    }

    /// One line: a database error's message, without its detail lines.
    static func describe(_ error: any Error) -> String {
        let text = (error as? DatabaseError)?.message ?? "\(error)"
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}

extension MetricsServer.RouterHealth {
    /// What /healthz says about `router`: running, or the state it is in and its last error.
    public static func of(_ router: ExecutionRouter) -> Self {
        let status = router.status
        guard status.state == .running else {
            let error = status.lastError.map { " (last error: \($0))" } ?? ""
            return .notRunning("router \(status.routerID) is \(status.state.rawValue)\(error)")
        }
        return .running("router \(status.routerID) running\(status.paused ? ", paused" : "")")
    }
}

/// The metrics server could not listen.
public struct MetricsServerError: Error, CustomStringConvertible {
    public var address: ListenAddress
    /// The socket call that failed and its errno.
    var underlying: SocketFailure

    public var description: String {
        switch underlying.number {
        case EADDRINUSE:
            "Cannot listen on \(address) for metrics: the port is already in use (another process has it)."
        case EADDRNOTAVAIL:
            "Cannot listen on \(address) for metrics: that address is not one of this machine's."
        case EACCES:
            "Cannot listen on \(address) for metrics: permission denied (ports below 1024 need privileges)."
        default:
            "Cannot listen on \(address) for metrics: \(underlying.call) failed: \(underlying.message)."
        }
    }
}

/// The result of an async throwing body.
func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
