import FoundationEssentials
import Glibc

/// Where the metrics server listens: `HOST:PORT`, the host an IPv4 address, `[IPv6]`,
/// `localhost` or `*` (every IPv4 interface); port 0 asks the system for a free one.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Host: Sendable, Equatable {
        case ipv4(String)
        case ipv6(String)
    }
    public var host: Host
    public var port: UInt16

    public init(host: Host, port: UInt16) {
        (self.host, self.port) = (host, port)
    }

    /// Parses `text`; the error says what is wrong with it.
    public init(parsing text: String) throws {
        let trimmed = text.trimmed
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw ListenAddressError("`\(text)` has no port: write HOST:PORT, e.g. 127.0.0.1:9464 or *:9464.")
        }
        let hostText = String(trimmed[..<colon]), portText = String(trimmed[trimmed.index(after: colon)...])
        guard let port = UInt16(portText) else {
            throw ListenAddressError("`\(portText)` in `\(text)` is not a port: write a number from 0 to 65535 after the colon.")
        }
        switch hostText {
        case "*", "", "0.0.0.0": host = .ipv4("0.0.0.0")
        case "localhost": host = .ipv4("127.0.0.1")
        case _ where hostText.hasPrefix("[") && hostText.hasSuffix("]"):
            let inner = String(hostText.dropFirst().dropLast())
            var probe = in6_addr()
            guard inet_pton(AF_INET6, inner, &probe) == 1 else {
                throw ListenAddressError("`\(inner)` in `\(text)` is not an IPv6 address.")
            }
            host = .ipv6(inner)
        default:
            var probe = in_addr()
            guard inet_pton(AF_INET, hostText, &probe) == 1 else {
                throw ListenAddressError("""
                    `\(hostText)` in `\(text)` is not an IP address: write an address of this machine \
                    (127.0.0.1, 0.0.0.0, [::1]), `localhost` or `*`.
                    """)
            }
            host = .ipv4(hostText)
        }
        self.port = port
    }

    public var description: String {
        switch host {
        case .ipv4(let address): "\(address):\(port)"
        case .ipv6(let address): "[\(address)]:\(port)"
        }
    }
}

/// A listen address that cannot be used, and why.
public struct ListenAddressError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
