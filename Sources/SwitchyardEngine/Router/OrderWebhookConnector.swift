import FoundationEssentials
import Glibc

/// The live connector: each order is a `POST {url}/orders` to its account's broker, the order
/// webhook of docs/router.md ("Live routing"), with its idempotency key (the same on every
/// retry) and the account's bearer token; `follow` asks `GET {url}/orders/{id}`, `lookUp`
/// `GET {url}/orders?client_order_id=KEY`.
///
/// Tokens are read once, when the connector is made, so a missing one fails the router's start
/// rather than its first order; they never appear in a message, log line or error. Requests go
/// through `HTTPClient` (libcurl: connections reused, TLS verified), each with a deadline.
/// Blocking, safe from the router's worker threads at once.
public struct OrderWebhookConnector: BrokerConnector {
    public var isDryRun: Bool { false }
    /// The longest one request waits for its whole answer; then it counts as a timeout (retried).
    public let timeout: Duration
    private let endpoints: [String: Endpoint]

    /// Where one account's orders go, and the token they carry.
    struct Endpoint: Sendable {
        /// The base URL without a trailing slash.
        var url: String
        var token: BearerToken
    }

    /// Connects the live accounts among `accounts` (others are ignored). Throws a
    /// `ConfigurationError` naming the account when a token cannot be read: the variable is
    /// unset or empty, the file is missing, empty, or readable by group or others.
    /// `environment` reads a variable (the process's, by default).
    public init(accounts: [Account], timeout: Duration = .seconds(10),
                environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }) throws {
        var endpoints: [String: Endpoint] = [:]
        for account in accounts where account.isLive {
            guard let connection = account.connector else {
                throw ConfigurationError("Account \(account.name) is live but has no connector.")
            }
            let token = try BearerToken.read(for: account.name, from: connection, environment: environment)
            var url = connection.url
            while url.hasSuffix("/") { url.removeLast() }
            endpoints[account.name] = Endpoint(url: url, token: token)
        }
        self.endpoints = endpoints
        self.timeout = timeout
    }

    /// The accounts this connector sends for.
    public var accounts: [String] { endpoints.keys.sorted() }

    public func send(_ order: Order) -> OrderResult {
        guard let endpoint = endpoints[order.account] else {
            return OrderResult(.refused, code: 0, message: "Not sent: \(order.account) is not a live account of this router.")
        }
        guard let body = Self.body(of: order) else {
            return OrderResult(.refused, code: 0, message: "Not sent: an EXIT's side and quantity must be resolved from its "
                + "ENTRY before it is sent (\(order.idempotencyKey)); this is a bug in the router.")
        }
        let headers = ["Content-Type: application/json", "Authorization: Bearer \(endpoint.token.value)",
                       "Idempotency-Key: \(order.idempotencyKey)", "User-Agent: switchyard"]
        let exchange = HTTPClient.request(endpoint.url + "/orders", headers: headers, body: OrderWebhookWire.encode(body),
                                          timeout: timeout)
        return Self.result(of: exchange, key: order.idempotencyKey)
    }

    /// Asks the broker where its order `brokerOrderID` stands (the follow-up of an order it took).
    public func follow(_ brokerOrderID: String, account: String) -> OrderResult {
        guard let endpoint = endpoints[account] else {
            return OrderResult(.refused, code: 0, message: "Not asked: \(account) is not a live account of this router.")
        }
        let headers = ["Authorization: Bearer \(endpoint.token.value)", "User-Agent: switchyard"]
        let exchange = HTTPClient.request(endpoint.url + "/orders/" + Self.pathSegment(brokerOrderID), headers: headers,
                                          body: nil, timeout: timeout)
        return Self.result(of: exchange, key: "order \(brokerOrderID)")
    }

    /// Asks the broker for the order it took under `key`, if any: a 404 says it never took one
    /// (`.refused`, code 404), which only this question may conclude; never a POST.
    public func lookUp(key: String, account: String) -> OrderResult {
        guard let endpoint = endpoints[account] else {
            return OrderResult(.refused, code: 0, message: "Not asked: \(account) is not a live account of this router.")
        }
        let headers = ["Authorization: Bearer \(endpoint.token.value)", "User-Agent: switchyard"]
        let exchange = HTTPClient.request(endpoint.url + "/orders?client_order_id=" + Self.pathSegment(key), headers: headers,
                                          body: nil, timeout: timeout)
        if case .answered(404, let body, _, _) = exchange {
            return OrderResult(.refused, code: 404, message: "The broker has no order under \(key) (\(Self.reason(body))).")
        }
        return Self.result(of: exchange, key: key)
    }

    /// The protocol's body for `order`; nil for an EXIT not yet resolved to a side and a quantity.
    static func body(of order: Order) -> OrderWebhookWire.OrderBody? {
        guard order.side != .close, let quantity = order.contracts else { return nil }
        return OrderWebhookWire.OrderBody(
            clientOrderID: order.idempotencyKey, account: order.account, symbol: order.symbol ?? "", side: order.side.rawValue,
            quantity: quantity, orderType: order.kind.rawValue, limitPrice: order.kind == .limit ? order.price : nil,
            tradeID: order.tradeID, taskID: order.taskID.rawValue, event: order.event.rawValue, reduceOnly: order.event == .exit)
    }

    /// `text` with every byte but RFC 3986's unreserved ones percent-encoded.
    static func pathSegment(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte < 0x80 && (Character(scalar).isLetter || Character(scalar).isNumber)) || "-._~".unicodeScalars.contains(scalar) {
                encoded.unicodeScalars.append(scalar)
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

/// A bearer token: its text is `value`, and nothing else shows it (`description` and
/// `debugDescription` say only that it is hidden), so an endpoint printed by mistake leaks nothing.
struct BearerToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String
    var description: String { "<token hidden>" }
    var debugDescription: String { description }

    /// The token `connection` names for `account`: its variable's value, or its file's first
    /// line, the file readable by its owner only.
    static func read(for account: String, from connection: BrokerConnection,
                     environment: (String) -> String?) throws -> BearerToken {
        if let name = connection.tokenEnv {
            guard let value = environment(name)?.trimmed, !value.isEmpty else {
                throw ConfigurationError("Account \(account): the environment variable \(name) (its connector's token_env) "
                    + "is not set or empty. Set it to the broker's token before starting the router.")
            }
            return BearerToken(value: value)
        }
        guard let path = connection.tokenFile else {
            throw ConfigurationError("Account \(account): its connector names no token (token_env or token_file).")
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ConfigurationError("Account \(account): cannot read its token file \(path) (\(String(cString: strerror(errno)))).")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw ConfigurationError("Account \(account): its token file \(path) can be read by group or others; "
                + "run `chmod 600 \(path)` so only its owner can.")
        }
        guard let bytes = readWholeFile(path), let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first?.trimmed,
              !line.isEmpty else {
            throw ConfigurationError("Account \(account): its token file \(path) is empty or cannot be read.")
        }
        return BearerToken(value: line)
    }

    private static func readWholeFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            bytes += buffer[..<count]
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
