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
        /// `tlsFailed` carries libcurl's words for the check that failed.
        case noLibcurl, hostNotFound, connectionRefused, tlsFailed(String), timedOut(Duration), dropped, other(String)

        public var description: String {
            switch self {
            case .noLibcurl: "libcurl (libcurl.so.4) could not be loaded; install libcurl4"
            case .hostNotFound: "host not found"
            case .connectionRefused: "connection refused"
            case .tlsFailed(let detail):
                "TLS failed: the server's certificate is not trusted by this machine or not issued for the URL's host name "
                    + "(\(detail)). Certificates are always verified: give the server one signed by a trusted CA for that "
                    + "name, or trust a private CA by copying it to /usr/local/share/ca-certificates and running "
                    + "update-ca-certificates"
            case .timedOut(let limit): "no answer within \(TimeSpan.format(limit))"
            case .dropped: "the connection closed before a whole answer came"
            case .other(let message): "network error (\(message))"
            }
        }

        /// Why a request got no answer, from libcurl's `outcome` and its `message`, with whether
        /// it may have reached the server; nil when the server answered.
        static func of(_ outcome: swy_post_failure, message: String, timeout: Duration) -> (failure: Failure, sent: Bool)? {
            switch outcome {
            case SWY_POST_ANSWERED: nil
            case SWY_POST_NO_LIBCURL: (.noLibcurl, false)
            case SWY_POST_HOST_NOT_FOUND: (.hostNotFound, false)
            case SWY_POST_REFUSED: (.connectionRefused, false)
            case SWY_POST_TLS_FAILED: (.tlsFailed(message), false)
            case SWY_POST_TIMED_OUT: (.timedOut(timeout), true)
            case SWY_POST_DROPPED: (.dropped, true)
            default: (.other(message), true)
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
        let message = withUnsafeBytes(of: answer.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let (failure, sent) = Failure.of(swy_post_failure(rawValue: UInt32(outcome)), message: message, timeout: timeout) {
            return .failed(failure, sent: sent)
        }
        let bytes = answer.body.map { Array(UnsafeRawBufferPointer(start: $0, count: answer.body_length)) } ?? []
        return .answered(status: answer.status, body: bytes, retryAfter: answer.retry_after >= 0 ? .seconds(answer.retry_after) : nil,
                         replayed: answer.replayed != 0)
    }
}

/// `body` with `strings` as a C array of C strings, valid for the call.
func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { UnsafePointer(strdup($0)) }
    defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
}
