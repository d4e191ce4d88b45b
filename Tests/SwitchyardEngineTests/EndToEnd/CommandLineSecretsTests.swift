import Foundation
import SwitchyardTestSupport
import Testing

/// `ps` shows every user each command line: no secret given as a flag stays on it.
/// No database: the commands wait on a server that never answers.
struct CommandLineSecretsTests {
    /// A server on 127.0.0.1 that takes connections into its backlog and never answers: a command
    /// connecting to it waits (up to its connect_timeout) with its command line on show.
    final class SilentServer {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var port: UInt16 = 0
        init() throws {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let listening = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(socket, $0, length) == 0 && listen(socket, 8) == 0 && getsockname(socket, $0, &length) == 0
                }
            }
            try #require(listening, "listen on 127.0.0.1: errno \(errno)")
            port = UInt16(bigEndian: address.sin_port)
        }
        deinit { close(socket) }
    }

    /// `ps` shows every user each command line: a webhook URL or a database password given as a
    /// flag is masked there as soon as the command starts, and --webhook-env keeps the URL off it.
    @Test(arguments: [["alerts", "add", "hook", "--failed-over", "1", "--webhook", "WEBHOOK", "--database-url", "URL"],
                      ["alerts", "add", "hook", "--failed-over", "1", "--webhook=WEBHOOK", "--database-url=KEYVALUE"],
                      ["alerts", "add", "hook", "--failed-over", "1", "--webhook-env", "SY_GATE_HOOK", "--database-url", "URL"]])
    func psShowsNoSecretGivenAsAFlag(arguments: [String]) throws {
        let secrets = try LiveGateTests.Secrets()
        let server = try SilentServer()
        let url = "postgresql://switchyard:\(secrets.token)@127.0.0.1:\(server.port)/switchyard?connect_timeout=10"
        let keyValue = "host=127.0.0.1 port=\(server.port) password=\(secrets.fileToken) connect_timeout=10"
        let command = arguments.map {
            $0.replacing("WEBHOOK", with: secrets.webhook).replacing("KEYVALUE", with: keyValue).replacing("URL", with: url)
        }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") && $0.key != "DATABASE_URL" }
        environment["SY_GATE_HOOK"] = secrets.webhook
        let (process, _, _) = try Executable.start(command, environment: environment)
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        var shown = ""
        let deadline = Date().addingTimeInterval(8)
        repeat {
            shown = try ChildProcess.run(["ps", "-ww", "-o", "args=", "-p", "\(process.processIdentifier)"]).output
            if shown.contains("127.0.0.1"), secrets.found(in: shown).isEmpty { break }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline && process.isRunning
        #expect(process.isRunning, "still waiting on the silent server while ps looked")
        #expect(shown.contains("alerts add hook"), "\(shown)")
        #expect(secrets.found(in: shown).isEmpty, "ps shows a secret: \(shown)")
        if !arguments.contains("--webhook-env") { #expect(shown.contains("https://hooks.example.com/"), "\(shown)") }
    }
}
