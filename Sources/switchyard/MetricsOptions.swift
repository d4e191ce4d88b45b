import ArgumentParser
import CoreMetrics
import Logging
import Prometheus
import SwitchyardEngine
import SwitchyardHTTP
import SwitchyardMetrics

/// `--metrics-listen HOST:PORT`, shared by `router` and `monitor` (operator mode).
struct MetricsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Serve Prometheus metrics at http://HOST:PORT/metrics and a health check at /healthz \
        (e.g. 127.0.0.1:9464, or *:9464 for every IPv4 interface). Names: docs/operations.md.
        """, valueName: "host:port"),
            transform: { text in
                do { return try ListenAddress(parsing: text) } catch let error as ListenAddressError {
                    throw ValidationError("--metrics-listen: \(error.description)")
                }
            })
    var metricsListen: ListenAddress?

    /// Installs the Prometheus factory as swift-metrics' backend, once per process, before the
    /// router is made (it takes its handles from it); nil without `--metrics-listen`.
    func bootstrap() -> PrometheusCollectorRegistry? {
        guard metricsListen != nil else { return nil }
        let factory = PrometheusFactory()
        MetricsSystem.bootstrap(factory)
        return factory.registry
    }

    /// Starts the server for `registry` (from `bootstrap()`); nil without `--metrics-listen`. A
    /// port in use or an address not of this machine is an error that names the option.
    func start(registry: PrometheusCollectorRegistry?, settings: ConnectionSettings,
               router: @escaping @Sendable () -> MetricsServer.RouterHealth) async throws -> MetricsServer? {
        guard let server = server(registry: registry, settings: settings, router: router) else { return nil }
        do { announce(try await server.start()) } catch let error as MetricsServerError { throw Self.invalid(error) }
        return server
    }

    /// The same from a command that is not async (`router`), blocking its thread until listening.
    func startBlocking(registry: PrometheusCollectorRegistry?, settings: ConnectionSettings,
                       router: @escaping @Sendable () -> MetricsServer.RouterHealth) throws -> MetricsServer? {
        guard let server = server(registry: registry, settings: settings, router: router) else { return nil }
        do { announce(try server.startBlocking()) } catch let error as MetricsServerError { throw Self.invalid(error) }
        return server
    }

    private func server(registry: PrometheusCollectorRegistry?, settings: ConnectionSettings,
                        router: @escaping @Sendable () -> MetricsServer.RouterHealth) -> MetricsServer? {
        guard let address = metricsListen, let registry else { return nil }
        return MetricsServer(settings: settings, registry: registry,
                             configuration: MetricsServer.Configuration(address: address), router: router)
    }

    private func announce(_ bound: ListenAddress) {
        Logger(label: "switchyard.metrics").info("metrics at http://\(bound)/metrics, health at http://\(bound)/healthz")
    }

    private static func invalid(_ error: MetricsServerError) -> MetricsListenFailure {
        MetricsListenFailure(description: "\(error.description) Choose another --metrics-listen.")
    }
}

/// `--metrics-listen` named an address the server cannot listen on; the command says so and exits 1.
struct MetricsListenFailure: Error, CustomStringConvertible {
    var description: String
}
