import FlyingFox
import FlyingSocks
import Foundation
import Prometheus
import SwitchyardEngine

/// `--metrics-listen`: serves Prometheus' text format at `/metrics` and a health check at
/// `/healthz`, with FlyingFox.
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

    /// Longest `start()` waits for the socket to listen.
    static let startLimit: Duration = .seconds(30)

    public let configuration: Configuration
    public let registry: PrometheusCollectorRegistry
    private let server: HTTPServer
    private let gaugeClient: DatabaseClient
    private let healthClient: DatabaseClient
    private let gaugeReading: SharedReading<DatabaseGaugeReading>
    private let databaseCheck: SharedReading<Bool>
    private let routerHealth: @Sendable () -> RouterHealth
    private let runFailure = RunFailure()

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
        let address: any SocketAddress
        switch configuration.address.host {
        case .ipv4(let ip): address = (try? .inet(ip4: ip, port: configuration.address.port)) ?? .inet(port: configuration.address.port)
        case .ipv6(let ip): address = (try? .inet6(ip6: ip, port: configuration.address.port)) ?? .inet6(port: configuration.address.port)
        }
        server = HTTPServer(address: address, timeout: 15, logger: .disabled)
    }

    /// Starts listening; returns the address it listens on (the port the system chose, for
    /// port 0). Throws `MetricsServerError` when it cannot (the port is taken, the address is
    /// not this machine's).
    @discardableResult
    public func start() async throws -> ListenAddress {
        await server.appendRoute("GET /metrics") { [self] _ in await metricsResponse() }
        await server.appendRoute("GET /healthz") { [self] _ in await healthResponse() }
        let server = self.server, failure = runFailure
        Task.detached {
            do { try await server.run() } catch { failure.set(error) }
        }
        let clock = ContinuousClock()
        // A bind error ends the run at once; the deadline only guards against a server task that
        // is never scheduled (a process whose cooperative pool is blocked).
        let deadline = clock.now + Self.startLimit
        while clock.now < deadline {
            if let error = failure.error { throw MetricsServerError(address: configuration.address, underlying: error) }
            if await server.isListening, let bound = await server.listeningAddress {
                var address = configuration.address
                if case .ip4(_, let port) = bound { address.port = port }
                if case .ip6(_, let port) = bound { address.port = port }
                return address
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        throw MetricsServerError(address: configuration.address, underlying: nil)
    }

    /// The same, from code that is not async (a command's `run()`), blocking the caller.
    @discardableResult
    public func startBlocking() throws -> ListenAddress {
        let result = BlockingResult<ListenAddress>()
        Task.detached { [self] in result.set(await capture { try await start() }) }
        return try result.wait().get()
    }

    /// Stops listening and closes the server's database connections.
    public func stop() async {
        await server.stop(timeout: 0)
        gaugeClient.close()
        healthClient.close()
    }

    /// The same, blocking the caller.
    public func stopBlocking() {
        let result = BlockingResult<Void>()
        Task.detached { [self] in
            await stop()
            result.set(.success(()))
        }
        _ = result.wait()
    }

    // MARK: Responses

    /// The text exposition: the process's counters, then the database gauges and whether they
    /// could be read.
    func metricsResponse() async -> HTTPResponse {
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
        return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: Data(body))
    }

    /// 200 "ok: ..." while the database answers and the router runs; 503 with the reasons otherwise.
    func healthResponse() async -> HTTPResponse {
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
            ? (HTTPStatusCode.ok, "ok: " + fine.joined(separator: "; "))
            : (HTTPStatusCode.serviceUnavailable, "unhealthy: " + problems.joined(separator: "; "))
        return HTTPResponse(statusCode: status, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: Data((text + "\n").utf8))
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
    /// The socket's error; nil when it simply never started listening.
    public var underlying: (any Error)?

    public var description: String {
        guard let underlying else { return "Cannot listen on \(address) for metrics: the server did not start within \(TimeSpan.format(MetricsServer.startLimit))." }
        if case SocketError.failed(let call, let number, let message) = underlying {
            switch number {
            case EADDRINUSE:
                return "Cannot listen on \(address) for metrics: the port is already in use (another process has it)."
            case EADDRNOTAVAIL:
                return "Cannot listen on \(address) for metrics: that address is not one of this machine's."
            case EACCES:
                return "Cannot listen on \(address) for metrics: permission denied (ports below 1024 need privileges)."
            default:
                return "Cannot listen on \(address) for metrics: \(call) failed: \(message)."
            }
        }
        return "Cannot listen on \(address) for metrics: \(underlying)."
    }
}

/// The error that ended the server's run, set once from its task.
private final class RunFailure: Sendable {
    private let box = NSLockedBox<(any Error)?>(nil)
    func set(_ error: any Error) { box.withLock { $0 = error } }
    var error: (any Error)? { box.withLock { $0 } }
}

/// A value handed from a task to a thread that waits for it.
private final class BlockingResult<Value: Sendable>: @unchecked Sendable {
    // Safe because `value` is written once before `done` is signalled and read after.
    private var value: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)
    func set(_ result: Result<Value, any Error>) {
        value = result
        done.signal()
    }
    func wait() -> Result<Value, any Error> {
        done.wait()
        return value!
    }
}

/// A value behind a lock.
final class NSLockedBox<Value>: @unchecked Sendable {
    // Safe because `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
}

/// The result of an async throwing body.
func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
