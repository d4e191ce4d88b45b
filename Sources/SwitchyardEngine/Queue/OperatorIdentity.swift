import FoundationEssentials
import Glibc

/// Who did something, for the audit trail: `$USER@host`, plus the SSH client's address.
public enum OperatorIdentity {
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let user = environment["USER"] ?? environment["LOGNAME"] ?? effectiveUserName() ?? "unknown"
        let host = ProcessInfo.processInfo.hostName
        var actor = "\(user)@\(host)"
        // SSH_CONNECTION is "client_ip client_port server_ip server_port".
        if let client = environment["SSH_CONNECTION"]?.split(separator: " ").first {
            actor += " (from \(client))"
        }
        return actor
    }

    /// The login name of the effective user id, for when $USER and $LOGNAME are unset (a root
    /// shell without a login, a systemd unit, cron); nil when the password database has no entry.
    static func effectiveUserName() -> String? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        // getpwuid_r, not getpwuid: the entry's strings live in `buffer`, not a static shared by all threads.
        return buffer.withUnsafeMutableBufferPointer { buffer in
            guard let start = buffer.baseAddress, getpwuid_r(geteuid(), &entry, start, buffer.count, &found) == 0,
                  found != nil, let name = entry.pw_name else { return nil }
            return String(cString: name)
        }
    }
}
