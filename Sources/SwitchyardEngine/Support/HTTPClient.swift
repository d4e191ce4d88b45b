import CCurl
import Glibc

/// Blocking HTTP through libcurl, loaded with dlopen on the first request (`swy_http_request`),
/// so a process that sends none (a dashboard) maps none of it. Connections are kept and reused
/// between requests from any thread; TLS is always verified. Call it from a thread that may
/// block (a router's worker), never from the cooperative pool.
public enum HTTPClient {
    /// How one request ended.
    public enum Exchange: Sendable, Equatable {
        /// The server answered: its status, body, `Retry-After` (seconds) and `Idempotent-Replayed`.
        case answered(status: Int, body: [UInt8], retryAfter: Duration?, replayed: Bool)
        /// No answer; `sent` is false when the request certainly never reached the server
        /// (no connection was made), true when it may have.
        case failed(Failure, sent: Bool)
    }

    public enum Failure: Sendable, Equatable, CustomStringConvertible {
        case noLibcurl, hostNotFound, connectionRefused, tlsFailed, timedOut(Duration), dropped, other(String)

        public var description: String {
            switch self {
            case .noLibcurl: "libcurl (libcurl.so.4) could not be loaded; install libcurl4"
            case .hostNotFound: "host not found"
            case .connectionRefused: "connection refused"
            case .tlsFailed: "TLS failed (the certificate or host name did not verify)"
            case .timedOut(let limit): "no answer within \(TimeSpan.format(limit))"
            case .dropped: "the connection closed before a whole answer came"
            case .other(let message): "network error (\(message))"
            }
        }
    }

    /// POSTs `body` (or GETs, when nil) to `url` with `headers` ("Name: value" lines), waiting at
    /// most `timeout` for the whole exchange.
    public static func request(_ url: String, headers: [String], body: [UInt8]?, timeout: Duration) -> Exchange {
        var answer = swy_http_answer()
        defer { swy_http_answer_free(&answer) }
        let outcome = withCStrings(headers) { lines in
            (body ?? []).withUnsafeBytes { bytes in
                swy_http_request(body == nil ? "GET" : "POST", url, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                                 bytes.count, lines, Int32(headers.count), Int(timeout.milliseconds), &answer)
            }
        }
        switch swy_post_failure(rawValue: UInt32(outcome)) {
        case SWY_POST_ANSWERED:
            let bytes = answer.body.map { Array(UnsafeRawBufferPointer(start: $0, count: answer.body_length)) } ?? []
            return .answered(status: answer.status, body: bytes, retryAfter: answer.retry_after >= 0 ? .seconds(answer.retry_after) : nil,
                             replayed: answer.replayed != 0)
        case SWY_POST_NO_LIBCURL: return .failed(.noLibcurl, sent: false)
        case SWY_POST_HOST_NOT_FOUND: return .failed(.hostNotFound, sent: false)
        case SWY_POST_REFUSED: return .failed(.connectionRefused, sent: false)
        case SWY_POST_TLS_FAILED: return .failed(.tlsFailed, sent: false)
        case SWY_POST_TIMED_OUT: return .failed(.timedOut(timeout), sent: true)
        case SWY_POST_DROPPED: return .failed(.dropped, sent: true)
        default:
            let message = withUnsafeBytes(of: answer.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return .failed(.other(message), sent: true)
        }
    }
}

/// `body` with `strings` as a C array of C strings, valid for the call.
func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { UnsafePointer(strdup($0)) }
    defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
}
