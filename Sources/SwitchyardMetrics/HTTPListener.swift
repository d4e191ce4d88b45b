import Dispatch
import Glibc
import SwitchyardEngine

/// The few lines of HTTP/1.1 the metrics endpoint needs: GET of a path, one answer, the
/// connection closed. On plain sockets and threads of its own, not an HTTP library: the one
/// this used (FlyingFox) imports Foundation, which loads libFoundation, its international half
/// and ICU into every process that links it, dashboards included (docs/performance.md).
///
/// One thread accepts (poll on the socket and a wake pipe, so `stop()` ends it at once); each
/// connection gets a thread that reads the request head (at most 8 KiB, 15 s), asks `handler`
/// and writes the answer. Scrapers connect a few times a minute: a thread each is plenty.
final class HTTPListener: @unchecked Sendable {
    // Safe because `handler` is set once in `start()` before any thread that reads it exists,
    // and the wake pipe is safe from any thread.
    struct Response: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]
    }
    /// The answer for a GET of the path; nil is 404.
    typealias Handler = @Sendable (String) async -> Response?

    private let address: ListenAddress
    private var handler: Handler = { _ in nil }
    private let wake = WakePipe()

    init(address: ListenAddress) {
        self.address = address
    }

    /// Binds and listens, answering with `handler`; returns the port it listens on (the
    /// system's choice for port 0). Call it once.
    func start(handler: @escaping Handler) throws(SocketFailure) -> UInt16 {
        self.handler = handler
        let family = if case .ipv6 = address.host { AF_INET6 } else { AF_INET }
        let fd = Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketFailure(call: "socket") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        let length: socklen_t
        switch address.host {
        case .ipv4(let ip):
            var inet = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: address.port.bigEndian, sin_addr: in_addr(),
                                   sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
            inet_pton(AF_INET, ip, &inet.sin_addr)
            length = Self.store(inet, in: &storage)
        case .ipv6(let ip):
            var inet = sockaddr_in6(sin6_family: sa_family_t(AF_INET6), sin6_port: address.port.bigEndian, sin6_flowinfo: 0,
                                    sin6_addr: in6_addr(), sin6_scope_id: 0)
            inet_pton(AF_INET6, ip, &inet.sin6_addr)
            length = Self.store(inet, in: &storage)
        }
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 64) == 0 else {
            let failure = SocketFailure(call: bound == 0 ? "listen" : "bind")
            close(fd)
            throw failure
        }
        var chosen = sockaddr_storage(), chosenLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &chosen) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &chosenLength) }
        }
        // sin_port and sin6_port sit at the same offset, right after the family.
        let port = withUnsafeBytes(of: chosen) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
        startDedicatedThread { [self] in acceptLoop(fd) }
        return port
    }

    /// Copies a sockaddr_in or sockaddr_in6 into `storage`; returns its length.
    private static func store<Address>(_ address: Address, in storage: inout sockaddr_storage) -> socklen_t {
        withUnsafeBytes(of: address) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
        return socklen_t(MemoryLayout<Address>.size)
    }

    /// Stops accepting; connections being answered finish on their own.
    func stop() {
        wake.wake()
    }

    private func acceptLoop(_ fd: Int32) {
        defer { close(fd) }
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            startDedicatedThread { [self] in answer(connection) }
        }
    }

    private func answer(_ connection: Int32) {
        defer { close(connection) }
        var limit = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard let head = Self.readHead(connection) else { return }
        // "GET /metrics HTTP/1.1"
        let requestLine = head.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = requestLine.split(separator: " ")
        let response: Response
        if parts.count == 3, parts[0] == "GET" {
            let path = String(parts[1].prefix { $0 != "?" })
            response = Self.await { [handler] in await handler(path) }
                ?? Response(status: 404, contentType: "text/plain; charset=utf-8", body: Array("not found\n".utf8))
        } else {
            response = Response(status: 405, contentType: "text/plain; charset=utf-8", body: Array("only GET\n".utf8))
        }
        Self.write(response, to: connection)
    }

    /// The request up to its blank line, or nil (closed, too long, too slow).
    private static func readHead(_ connection: Int32) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while bytes.count < 8192 {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            bytes += buffer[..<count]
            let text = String(decoding: bytes, as: UTF8.self)
            if text.contains("\r\n\r\n") { return text }
        }
        return nil
    }

    private static func write(_ response: Response, to connection: Int32) {
        let reason = switch response.status {
        case 200: "OK"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 503: "Service Unavailable"
        default: "Status"
        }
        let head = "HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: \(response.contentType)\r\n"
            + "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        var pending = (Array(head.utf8) + response.body)[...]
        while !pending.isEmpty {
            let sent = pending.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return }
            pending = pending.dropFirst(sent)
        }
    }

    /// Runs async `body` from this (dedicated) thread and waits for its value.
    private static func `await`<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = AnswerBox<T>(), done = DispatchSemaphore(value: 0)
        Task.detached {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

/// A value handed from a task to the thread waiting for it.
private final class AnswerBox<T>: @unchecked Sendable {
    // Safe because `value` is written before the semaphore is signalled and read after the wait.
    var value: T?
}

/// A socket call that failed: which one and errno.
struct SocketFailure: Error {
    var call: String
    var number: Int32
    init(call: String) {
        (self.call, self.number) = (call, errno)
    }
    var message: String { String(cString: strerror(number)) }
}
