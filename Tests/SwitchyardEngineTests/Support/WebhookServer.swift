import Foundation

/// A small real HTTP/1.1 server on 127.0.0.1 for alert tests: it records each POST body and
/// answers with the status it is told, or never answers (to test timeouts). One connection at a
/// time, `Connection: close`: enough for a webhook peer, nothing more.
final class WebhookServer: @unchecked Sendable {
    enum Mode: Equatable { case answer(Int), silent }

    // Safe because `bodies`, `mode` and `stopped` are read and written only under `lock`.
    private let lock = NSLock()
    private var bodies: [(status: Int, body: Data)] = []
    private var mode: Mode
    private var stopped = false
    private let socket: Int32
    let port: Int
    var url: String { "http://127.0.0.1:\(port)/hooks/T000/B000/secret-token?key=hidden" }

    init(mode: Mode = .answer(200)) throws {
        self.mode = mode
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.name = "test.webhook"
        thread.start()
    }

    deinit { stop() }

    func setMode(_ mode: Mode) { lock.withLock { self.mode = mode } }

    /// Every body answered with a 2xx, as JSON objects.
    var messages: [[String: Any]] {
        lock.withLock { bodies }.filter { (200..<300).contains($0.status) }
            .compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }
    }

    /// POSTs answered with an error status.
    var refused: Int { lock.withLock { bodies.filter { !(200..<300).contains($0.status) }.count } }

    func messages(state: String, rule: String? = nil) -> [[String: Any]] {
        messages.filter { $0["state"] as? String == state && (rule == nil || $0["rule"] as? String == rule) }
    }

    func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        if first {
            shutdown(socket, Int32(SHUT_RDWR))
            close(socket)
        }
    }

    private func serve() {
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            Thread { [self] in handle(client) }.start()
        }
    }

    private func handle(_ client: Int32) {
        defer { close(client) }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var body: Data?
        while body == nil {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            received.append(contentsOf: buffer[0..<n])
            guard let end = received.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count - end.upperBound >= length { body = received[end.upperBound..<end.upperBound + length] }
        }
        let mode = lock.withLock { self.mode }
        guard case .answer(let status) = mode else {
            // Never answers: hold the connection until the sender gives up (it closes its end).
            while read(client, &buffer, buffer.count) > 0 {}
            return
        }
        lock.withLock { bodies.append((status, body!)) }
        let reply = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = reply.withCString { write(client, $0, strlen($0)) }
    }
}
