import CoreMetrics
import Prometheus
import SwitchyardEngine

/// swift-metrics' factory backed by swift-prometheus' registry, with the help text and buckets
/// Switchyard's metrics are catalogued with (`RouterMetrics.help`). swift-prometheus' own
/// `PrometheusMetricsFactory` registers every metric with empty help, which `promtool check
/// metrics` reports as a problem; this one passes the catalogue's text to the same registry.
public struct PrometheusFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    private let help: [String: String]
    private let durationBuckets: [String: [Duration]]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                help: [String: String] = RouterMetrics.help,
                durationBuckets: [String: [Duration]] = [RouterMetrics.Name.attemptDuration: RouterMetrics.attemptDurationBuckets]) {
        self.registry = registry
        self.help = help
        self.durationBuckets = durationBuckets
    }

    /// Buckets for a `Timer` not in the catalogue: 1 ms to 10 s.
    static let defaultDurationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
        .milliseconds(500), .seconds(1), .seconds(5), .seconds(10),
    ]
    /// Buckets for an aggregating `Recorder` (swift-metrics' summary), which Switchyard does not use.
    static let defaultValueBuckets: [Double] = [1, 5, 10, 50, 100, 500, 1000, 5000, 10000]

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        .switchyard(label, help: help[label] ?? "")
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: Self.defaultValueBuckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions,
                                       buckets: durationBuckets[label] ?? Self.defaultDurationBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

extension MetricNameDescriptor {
    /// A metric named in full (`switchyard_tasks_claimed_total`), with its help text.
    static func switchyard(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
