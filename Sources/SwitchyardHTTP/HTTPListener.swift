import Dispatch
import Glibc
import SwitchyardEngine

/// The few lines of HTTP/1.1 the metrics endpoint and the broker simulator need: a request
/// head and its `Content-Length` body, one answer, and the next request on the same connection
/// (keep-alive) until the client closes it or sends `Connection: close`. On plain sockets and
/// threads of its own, not an HTTP library: the one this used (FlyingFox) imports Foundation,
/// which loads libFoundation, its international half and ICU into every process that links it,
/// dashboards included (docs/performance.md).
///
/// One thread accepts (poll on the socket and a wake pipe, so `stop()` ends it at once); each
/// connection gets a thread that reads a request (head at most 8 KiB, body at most 1 MiB, 15 s
/// of silence at most between requests), asks `handler` and writes the answer. `stop()` also
/// ends connections waiting for their next request. Scrapers and test brokers: a thread each
/// is plenty.
package final class HTTPListener: @unchecked Sendable {
    // Safe because `handler` is set once in `start()` before any thread that reads it exists,
    // and the wake pipe is safe from any thread.
    package typealias Request = HTTPRequest
    package typealias Response = HTTPResponse
    /// The answer to a request; nil is 404.
    package typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse?
    /// The same, answered on the connection's own thread: for a server whose callers may
    /// block Swift's cooperative pool while they wait for it (a test's synchronous client).
    package typealias BlockingHandler = @Sendable (HTTPRequest) -> HTTPResponse?

    /// Largest request head and body read.
    static let headLimit = 8192, bodyLimit = 1 << 20
    /// Longest silence on a connection: before its next request, or within one.
    static let idleLimit: Int32 = 15_000

    private let address: ListenAddress
    private var handler: BlockingHandler = { _ in nil }
    private let wake = WakePipe()
    /// Entered while the listening socket is open; `stop()` waits for it.
    private let listening = DispatchGroup()

    package init(address: ListenAddress) {
        self.address = address
    }

    /// Binds and listens, answering with `handler`; returns the port it listens on (the
    /// system's choice for port 0). Call it once.
    package func start(handler: @escaping Handler) throws(SocketFailure) -> UInt16 {
        try start(blockingHandler: { request in Self.await { await handler(request) } })
    }

    /// The same with a handler that answers on the connection's thread.
    package func start(blockingHandler handler: @escaping BlockingHandler) throws(SocketFailure) -> UInt16 {
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
        listening.enter()
        startDedicatedThread { [self] in acceptLoop(fd) }
        return port
    }

    /// Copies a sockaddr_in or sockaddr_in6 into `storage`; returns its length.
    private static func store<Address>(_ address: Address, in storage: inout sockaddr_storage) -> socklen_t {
        withUnsafeBytes(of: address) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
        return socklen_t(MemoryLayout<Address>.size)
    }

    /// Stops accepting, and ends connections waiting for a request; answers being made finish.
    /// Returns once the listening socket is closed (at most 5 s), so a client that connects after
    /// it is refused rather than left in the backlog, and the port is free to bind again.
    package func stop() {
        wake.wake()
        _ = listening.wait(timeout: .now() + 5)
    }

    private func acceptLoop(_ fd: Int32) {
        defer {
            close(fd)
            listening.leave()
        }
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

    /// Answers requests on `connection` until the client closes it, asks to, or falls silent.
    private func answer(_ connection: Int32) {
        defer { close(connection) }
        var limit = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var pending: [UInt8] = []
        while let request = readRequest(connection, pending: &pending) {
            let response: Response
            switch request {
            case .request(let request):
                response = handler(request) ?? .text(404, "not found\n")
                if response.dropConnection { return }
                guard Self.write(response.serialized(keepAlive: request.keepAlive), to: connection), request.keepAlive else { return }
            case .refused(let refusal):
                _ = Self.write(refusal.serialized(keepAlive: false), to: connection)
                return
            }
        }
    }

    private enum Reading {
        case request(Request)
        /// Not a request this listener takes: answered, then the connection is closed.
        case refused(Response)
    }

    /// The next request: its head up to the blank line and its body; a 400 or 413 to answer
    /// before closing; nil when the connection closed, fell silent, or the listener stops.
    private func readRequest(_ connection: Int32, pending: inout [UInt8]) -> Reading? {
        let blank: [UInt8] = Array("\r\n\r\n".utf8)
        while pending.firstRange(of: blank) == nil {
            guard pending.count < Self.headLimit else { return .refused(.text(413, "request head too long\n")) }
            guard receive(connection, into: &pending) else { return nil }
        }
        let end = pending.firstRange(of: blank)!
        guard let (request, length) = Request.parseHead(String(decoding: pending[..<end.lowerBound], as: UTF8.self)[...]) else {
            return .refused(.text(400, "not an HTTP/1.1 request\n"))
        }
        guard length <= Self.bodyLimit else { return .refused(.text(413, "request body too long\n")) }
        pending.removeSubrange(..<end.upperBound)
        while pending.count < length {
            guard receive(connection, into: &pending) else { return nil }
        }
        var complete = request
        complete.body = Array(pending[..<length])
        pending.removeSubrange(..<length)
        return .request(complete)
    }

    /// Appends what arrives on `connection` within the idle limit; false when it closed, fell
    /// silent or the listener stops.
    private func receive(_ connection: Int32, into bytes: inout [UInt8]) -> Bool {
        var fds = [pollfd(fd: connection, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0)]
        var ready = poll(&fds, 2, Self.idleLimit)
        while ready < 0 && errno == EINTR { ready = poll(&fds, 2, Self.idleLimit) }
        guard ready > 0, fds[1].revents == 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
        while count < 0 && errno == EINTR { count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) } }
        guard count > 0 else { return false }
        bytes += buffer[..<count]
        return true
    }

    /// Sends all of `bytes`; false when the connection failed.
    private static func write(_ bytes: [UInt8], to connection: Int32) -> Bool {
        var pending = bytes[...]
        while !pending.isEmpty {
            let sent = pending.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            pending = pending.dropFirst(sent)
        }
        return true
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
package struct SocketFailure: Error {
    package var call: String
    package var number: Int32
    init(call: String) {
        (self.call, self.number) = (call, errno)
    }
    package var message: String { String(cString: strerror(number)) }
}
