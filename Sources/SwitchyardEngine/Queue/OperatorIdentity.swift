import Foundation

/// Who did something, for the audit trail: `$USER@host`, plus the SSH client's address.
public enum OperatorIdentity {
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let user = environment["USER"] ?? environment["LOGNAME"] ?? "unknown"
        let host = ProcessInfo.processInfo.hostName
        var actor = "\(user)@\(host)"
        // SSH_CONNECTION is "client_ip client_port server_ip server_port".
        if let client = environment["SSH_CONNECTION"]?.split(separator: " ").first {
            actor += " (from \(client))"
        }
        return actor
    }
}
