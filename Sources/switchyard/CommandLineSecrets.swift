import SwitchyardEngine

/// Hides the secrets a flag may carry from `ps`, which shows every process's command line to
/// every user: an alert's `--webhook URL` (a chat webhook's URL is its credential) and the
/// password in `--database-url`. Their bytes in the process's own argument memory (what
/// /proc/PID/cmdline reads) are overwritten with the masked form once the arguments are copied
/// for parsing. A window remains between exec and this: `--webhook-env NAME`, token files and
/// ~/.pgpass keep a secret off the command line altogether.
enum CommandLineSecrets {
    /// The flags whose values are masked, and how.
    static let masks: [String: @Sendable (String) -> String] = [
        "--webhook": { (try? AlertTarget.webhook(parsing: $0))?.redacted ?? "…" },
        "--database-url": maskPassword,
    ]

    /// Overwrites the secret flag values of this process's arguments. Call it after
    /// `CommandLine.arguments` was first read (Swift copies the arguments then).
    static func hide() {
        let argv = CommandLine.unsafeArgv
        var flag: String?
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = argv[index] else { break }
            let argument = String(cString: pointer)
            if let pending = flag, let mask = masks[pending] {
                overwrite(pointer, with: mask(argument))
                flag = nil
                continue
            }
            flag = masks[argument] == nil ? nil : argument
            if let equals = argument.firstIndex(of: "="), let mask = masks[String(argument[..<equals])] {
                let name = argument[...equals]
                overwrite(pointer, with: name + mask(String(argument[argument.index(after: equals)...])))
            }
        }
    }

    /// `postgresql://user:secret@host/db` → `postgresql://user:…@host/db`; `password=secret` → `password=…`.
    static func maskPassword(_ conninfo: String) -> String {
        if let scheme = conninfo.firstRange(of: "://") {
            let rest = conninfo[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
                return maskPasswordParameter(conninfo)
            }
            return maskPasswordParameter(String(conninfo[..<colon]) + ":…" + String(conninfo[at...]))
        }
        return conninfo.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("password=") ? "password=…" : String($0) }.joined(separator: " ")
    }

    /// A `password=` query parameter of a URL, masked.
    private static func maskPasswordParameter(_ url: String) -> String {
        guard let query = url.firstIndex(of: "?") else { return url }
        let parameters = url[url.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("password=") ? "password=…" : String($0) }
        return String(url[...query]) + parameters.joined(separator: "&")
    }

    /// Writes `text` over the C string at `pointer`, the rest zeroed; a text longer than the
    /// string is written in ASCII ("..." for "…") and cut, so no character is cut in half.
    private static func overwrite(_ pointer: UnsafeMutablePointer<CChar>, with text: String) {
        var length = 0
        while pointer[length] != 0 { length += 1 }
        let fitting = text.utf8.count <= length ? text : text.replacing("…", with: "...")
        let bytes = Array(fitting.utf8.prefix(length))
        for index in 0..<length { pointer[index] = index < bytes.count ? CChar(bitPattern: bytes[index]) : 0 }
    }
}
