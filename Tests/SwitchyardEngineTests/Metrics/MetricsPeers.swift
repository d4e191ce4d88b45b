import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SwitchyardTestSupport
import Testing

/// HTTP on loopback for the metrics tests: a GET with a deadline, and a free port.
enum LoopbackHTTP {
    struct Response: Sendable {
        var status: Int
        var body: String
    }

    /// GETs `url`; throws when nothing answers within `timeout` (a hung endpoint fails the test).
    /// The default is generous: a server inside the test process shares its cooperative pool with
    /// every other test running at the time; tests of promptness pass their own limit.
    static func get(_ url: String, timeout: TimeInterval = 30) async throws -> Response {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        return Response(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self))
    }

    /// A TCP port nobody listens on right now (bound to port 0, then released).
    static func freePort() throws -> UInt16 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw MetricsTestError("socket(): \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw MetricsTestError("bind(127.0.0.1:0): \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// A real Prometheus server (Debian's `prometheus`), with a config, data folder and port of its
/// own, scraping `targets` every second; `stop()` ends it and removes its folder.
final class PrometheusServer {
    let directory: String
    let port: UInt16
    private let process: Process

    init(targets: [String]) throws {
        directory = NSTemporaryDirectory() + "switchyard-prometheus-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: switchyard
                scrape_interval: 1s
                scrape_timeout: 1s
                static_configs:
                  - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        port = try LoopbackHTTP.freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                             "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        _ = FileManager.default.createFile(atPath: directory + "/log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/log"))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOfFile: directory + "/log", encoding: .utf8)) ?? "" }

    /// Waits until the server says it is ready (it replays nothing: the folder is new).
    func waitUntilReady(limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let ready = try? await LoopbackHTTP.get("http://127.0.0.1:\(port)/-/ready", timeout: 2), ready.status == 200 {
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw MetricsTestError("Prometheus did not become ready: \(log)")
    }

    /// The instant vector `promql` evaluates to now: each series' labels and value.
    func query(_ promql: String) async throws -> [(labels: [String: String], value: Double)] {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        let response = try await LoopbackHTTP.get(components.url!.absoluteString)
        let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        guard json?["status"] as? String == "success", let data = json?["data"] as? [String: Any],
              let result = data["result"] as? [[String: Any]] else {
            throw MetricsTestError("query \(promql): \(response.body)")
        }
        return result.compactMap { series in
            guard let metric = series["metric"] as? [String: String], let value = series["value"] as? [Any],
                  let text = value.last as? String, let number = Double(text) else { return nil }
            return (metric, number)
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// `promtool` (from Debian's `prometheus` package) on a file; its exit status and output.
func promtool(_ arguments: [String]) throws -> (status: Int32, output: String) {
    try ChildProcess.run(["promtool"] + arguments)
}

struct MetricsTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
