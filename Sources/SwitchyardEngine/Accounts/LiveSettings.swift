import FoundationEssentials

/// How an account's orders are sent: simulated (the default) or to its broker.
public enum AccountMode: String, Sendable, Equatable, Codable {
    /// Nothing leaves the process (`DryRunConnector`).
    case dryRun = "dry-run"
    /// Real orders through the account's `connector`, only by a router started to route live accounts.
    case live
}

/// Where a live account's orders go: the order webhook of docs/router.md ("Live routing").
/// The token is named, never written here: an environment variable, or a file only its owner can read.
public struct BrokerConnection: Sendable, Equatable, Codable {
    /// The broker's base URL; orders go to `{url}/orders`.
    public var url: String
    /// The environment variable holding the bearer token.
    public var tokenEnv: String?
    /// A file holding the bearer token (owner-only permissions, refused otherwise).
    public var tokenFile: String?

    public init(url: String, tokenEnv: String? = nil, tokenFile: String? = nil) {
        (self.url, self.tokenEnv, self.tokenFile) = (url, tokenEnv, tokenFile)
    }

    enum CodingKeys: String, CodingKey {
        case url
        case tokenEnv = "token_env", tokenFile = "token_file"
    }

    /// Why this connection cannot be used, or nil. A URL carrying a credential (a user or
    /// password, a query such as `?api_key=`) is refused, so the accounts file, and everything that
    /// shows where orders go, holds no secret: the token is only ever named.
    func problem() -> String? {
        let scheme = url.lowercased()
        guard scheme.hasPrefix("https://") || scheme.hasPrefix("http://") else {
            return "connector.url must start with https:// (or http:// for a broker on this machine)"
        }
        let authority = url.drop { $0 != "/" }.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") || url.contains("?") || url.contains("#") {
            return "connector.url must not carry a user, password or query (a credential); "
                + "give the token by \"token_env\" or \"token_file\""
        }
        switch (tokenEnv, tokenFile) {
        case (nil, nil): return "connector names no token: give \"token_env\" (a variable's name) or \"token_file\" (a path)"
        case (.some, .some): return "connector gives both \"token_env\" and \"token_file\"; keep one"
        case (.some(let name), nil) where name.isEmpty: return "connector.token_env is empty"
        case (nil, .some(let path)) where path.isEmpty: return "connector.token_file is empty"
        default: return nil
        }
    }
}

/// Limits a live order is checked against before it is sent; a limit absent is not checked.
public struct RiskLimits: Sendable, Equatable, Codable {
    /// Contracts open at most (filled ENTRYs not yet closed, plus orders sent and not yet final).
    public var maxPosition: Int?
    /// Realised loss from fills, in the account's currency, over one trading day in the
    /// account's time zone, at which new ENTRYs stop.
    public var dailyLossLimit: Double?
    /// Orders sent to this account in any minute (on the database's clock).
    public var maxOrdersPerMinute: Int?

    public init(maxPosition: Int? = nil, dailyLossLimit: Double? = nil, maxOrdersPerMinute: Int? = nil) {
        (self.maxPosition, self.dailyLossLimit, self.maxOrdersPerMinute) = (maxPosition, dailyLossLimit, maxOrdersPerMinute)
    }

    enum CodingKeys: String, CodingKey {
        case maxPosition = "max_position", dailyLossLimit = "daily_loss_limit", maxOrdersPerMinute = "max_orders_per_minute"
    }

    var isEmpty: Bool { maxPosition == nil && dailyLossLimit == nil && maxOrdersPerMinute == nil }

    /// Why these limits are not usable, or nil.
    func problem() -> String? {
        if let maxPosition, maxPosition < 0 { return "max_position must be 0 or more" }
        if let dailyLossLimit, !(dailyLossLimit >= 0) { return "daily_loss_limit must be 0 or more (a loss, as a positive amount)" }
        if let maxOrdersPerMinute, maxOrdersPerMinute < 1 { return "max_orders_per_minute must be 1 or more" }
        return nil
    }
}

extension BrokerConnection: CustomStringConvertible {
    /// Where orders go and where the token is read from; never a token (this type holds none).
    public var description: String {
        let token = tokenEnv.map { "$" + $0 } ?? tokenFile.map { "file " + $0 } ?? "none named"
        return "\(url) (token: \(token))"
    }
}
