import FoundationEssentials
import SwitchyardResources

/// A trading account a router sends orders to, and the rules that decide which tasks it takes.
/// The JSON format is documented in docs/router.md.
public struct Account: Sendable, Equatable, Codable {
    public var name: String
    public var enabled: Bool
    /// Currency value of one price point for one contract (ES: 50, MES: 5).
    public var pointValue: Double
    /// Currency the account risks on one trade; sizing divides it by the stop distance.
    public var riskPerTrade: Double
    public var maxContracts: Int
    /// Event types routed to this account; empty or absent means all.
    public var eventTypes: [String]?
    /// Sessions ("NY AM") of the ENTRY payloads taken; empty or absent means all.
    public var sessions: [String]?
    /// Directions (LONG, SHORT) taken; empty or absent means both.
    public var directions: [String]?
    /// Dry-run (the default) or live; a live account is routed only by a router started to route live.
    public var mode: AccountMode
    /// The instrument a live account trades (sent as the order's symbol).
    public var symbol: String?
    /// Where a live account's orders go.
    public var connector: BrokerConnection?
    /// Checked before each live order.
    public var limits: RiskLimits
    /// The zone whose midnight starts the account's trading day (daily loss); default UTC.
    public var timeZone: String?

    public var isLive: Bool { mode == .live }

    public init(name: String, enabled: Bool = true, pointValue: Double, riskPerTrade: Double, maxContracts: Int,
                eventTypes: [String]? = nil, sessions: [String]? = nil, directions: [String]? = nil) {
        (self.name, self.enabled, self.pointValue, self.riskPerTrade, self.maxContracts) =
            (name, enabled, pointValue, riskPerTrade, maxContracts)
        (self.eventTypes, self.sessions, self.directions) = (eventTypes, sessions, directions)
        (mode, symbol, connector, limits, timeZone) = (.dryRun, nil, nil, RiskLimits(), nil)
    }

    enum CodingKeys: String, CodingKey {
        case name, enabled, sessions, directions
        case pointValue = "point_value", riskPerTrade = "risk_per_trade", maxContracts = "max_contracts"
        case eventTypes = "event_types"
        case mode, symbol, connector
        case timeZone = "time_zone"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        pointValue = try container.decode(Double.self, forKey: .pointValue)
        riskPerTrade = try container.decode(Double.self, forKey: .riskPerTrade)
        maxContracts = try container.decode(Int.self, forKey: .maxContracts)
        eventTypes = try container.decodeIfPresent([String].self, forKey: .eventTypes)
        sessions = try container.decodeIfPresent([String].self, forKey: .sessions)
        directions = try container.decodeIfPresent([String].self, forKey: .directions)
        mode = try container.decodeIfPresent(AccountMode.self, forKey: .mode) ?? .dryRun
        symbol = try container.decodeIfPresent(String.self, forKey: .symbol)
        connector = try container.decodeIfPresent(BrokerConnection.self, forKey: .connector)
        limits = try RiskLimits(from: decoder)
        timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(pointValue, forKey: .pointValue)
        try container.encode(riskPerTrade, forKey: .riskPerTrade)
        try container.encode(maxContracts, forKey: .maxContracts)
        try container.encodeIfPresent(eventTypes, forKey: .eventTypes)
        try container.encodeIfPresent(sessions, forKey: .sessions)
        try container.encodeIfPresent(directions, forKey: .directions)
        try container.encode(mode, forKey: .mode)
        try container.encodeIfPresent(symbol, forKey: .symbol)
        try container.encodeIfPresent(connector, forKey: .connector)
        try limits.encode(to: encoder)
        try container.encodeIfPresent(timeZone, forKey: .timeZone)
    }

    /// Why this account's live settings cannot be used, or nil (a dry-run account needs none).
    func liveProblem() -> String? {
        if let problem = limits.problem() { return problem }
        if let timeZone, ZoneRules(identifier: timeZone) == nil {
            return "time_zone \"\(timeZone)\" is not a time zone; use an IANA name such as UTC or America/New_York"
        }
        guard isLive else { return nil }
        guard let symbol, !symbol.isEmpty else { return "a live account needs a \"symbol\"" }
        guard let connector else { return "a live account needs a \"connector\" with \"url\" and \"token_env\" or \"token_file\"" }
        return connector.problem()
    }

    /// True when this account takes tasks of `eventType`.
    public func takes(_ eventType: EventType) -> Bool {
        enabled && Self.matches(eventTypes, eventType.rawValue)
    }

    /// Why this account does not take `entry`, or nil when it does.
    public func mismatch(_ entry: EntryPayload) -> String? {
        if !Self.matches(directions, entry.direction.rawValue) {
            return "direction \(entry.direction.rawValue) is not among \(directions!.joined(separator: ", "))"
        }
        if !Self.matches(sessions, entry.session ?? "") {
            return "session \(entry.session.map { "'\($0)'" } ?? "(none)") is not among \(sessions!.joined(separator: ", "))"
        }
        return nil
    }

    /// Contracts for `entry`: floor(risk_per_trade / (|entry - stop| x point_value)), clamped to
    /// max_contracts. Zero comes with the reason.
    public func size(_ entry: EntryPayload) -> (contracts: Int, reason: String?) {
        let riskPerContract = entry.riskPoints * pointValue
        guard riskPerContract > 0, riskPerTrade > 0 else {
            return (0, "risk per contract is \(riskPerContract); nothing to size")
        }
        // The tiny epsilon keeps 500 / (6.25 x 80) = 1.0 from flooring to 0 through rounding.
        let raw = Int(min(Double(Int.max / 2), (riskPerTrade / riskPerContract + 1e-9).rounded(.down)))
        let contracts = min(raw, max(maxContracts, 0))
        if contracts == 0 {
            return (0, "risk_per_trade \(riskPerTrade) is less than one contract's risk "
                    + "(\(entry.riskPoints) points x \(pointValue) = \(riskPerContract))")
        }
        return (contracts, nil)
    }

    private static func matches(_ allowed: [String]?, _ value: String) -> Bool {
        guard let allowed, !allowed.isEmpty else { return true }
        return allowed.contains { $0.lowercased() == value.lowercased() }
    }
}

/// The accounts one router routes to.
public struct AccountSet: Sendable, Equatable {
    public var accounts: [Account]

    public init(accounts: [Account]) throws {
        var seen = Set<String>()
        for account in accounts {
            guard !account.name.isEmpty else { throw AccountsError("An account has an empty name.") }
            guard seen.insert(account.name).inserted else { throw AccountsError("Account \(account.name) appears twice.") }
            guard account.pointValue > 0 else { throw AccountsError("Account \(account.name): point_value must be above 0.") }
            guard account.riskPerTrade >= 0 else { throw AccountsError("Account \(account.name): risk_per_trade must be 0 or more.") }
            guard account.maxContracts >= 0 else { throw AccountsError("Account \(account.name): max_contracts must be 0 or more.") }
            if let problem = account.liveProblem() { throw AccountsError("Account \(account.name): \(problem).") }
        }
        self.accounts = accounts
    }

    /// Parses the accounts JSON (see docs/router.md).
    public init(json: String, source: String = "the accounts file") throws {
        struct File: Decodable { var accounts: [Account] }
        do {
            try self.init(accounts: JSONDecoder().decode(File.self, from: Data(json.utf8)).accounts)
        } catch let error as AccountsError {
            throw AccountsError("\(source): \(error.message)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw AccountsError("\(source): \(Self.path(context.codingPath)) has no \"\(key.stringValue)\".",
                                detail: "See docs/router.md for the format.")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw AccountsError("\(source): \(Self.path(context.codingPath)) has the wrong type (\(context.debugDescription))",
                                detail: "See docs/router.md for the format.")
        } catch {
            throw AccountsError("\(source) is not valid JSON: \(describeDecodingError(error))",
                                detail: "See docs/router.md for the format.")
        }
    }

    /// Reads the accounts file at `path`.
    public static func load(path: String) throws -> AccountSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AccountsError("Cannot read the accounts file \(path).", remedy: .checkAccountsPath)
        }
        return try AccountSet(json: String(decoding: data, as: UTF8.self), source: path)
    }

    /// The built-in demo accounts (Resources/accounts.example.json).
    public static var demo: AccountSet {
        // The embedded example is checked by a test, so this cannot fail in a released build.
        (try? AccountSet(json: SwitchyardResources.exampleAccountsJSON, source: "accounts.example.json"))
            ?? (try! AccountSet(accounts: []))
    }

    public var enabled: [Account] { accounts.filter(\.enabled) }

    /// The enabled live accounts.
    public var live: [Account] { accounts.filter { $0.enabled && $0.isLive } }

    public subscript(name: String) -> Account? { accounts.first { $0.name == name } }

    private static func path(_ codingPath: [CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "the file" : text
    }
}

/// An accounts file that cannot be used; says where and what to fix.
public struct AccountsError: RemedyCarrying, Sendable {
    public var message: String
    public var detail: String?
    public var remedy: Remedy?
    /// `remedy`, when given, is the detail.
    public init(_ message: String, detail: String? = nil, remedy: Remedy? = nil) {
        self.message = message
        self.detail = remedy?.advice ?? detail
        self.remedy = remedy
    }
    public var description: String { [message, detail].compactMap { $0 }.joined(separator: "\n") }
}
