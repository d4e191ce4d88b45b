import Foundation
import Testing
import SwitchyardTestSupport
@testable import SwitchyardEngine

/// The dashboard over a real SSH session that goes away: a private `sshd` on 127.0.0.1 with
/// host and user keys of its own (the machine's ssh configuration is never read or touched),
/// `ssh -tt` into `switchyard monitor` from a tmux pane, then the session is dropped.
@Suite(.serialized) struct SSHDropTests {
    enum Drop: String, CaseIterable, Sendable {
        /// The client's terminal closes (the pane goes, as a closed terminal window).
        case terminalClosed
        /// The ssh client is killed outright.
        case clientKilled
        /// The server's side of the connection dies without a goodbye (sshd's session process killed).
        case connectionCut
    }

    @Test(.database, .timeLimit(.minutes(2)), arguments: Drop.allCases)
    func aDroppedSessionStopsTheDashboardAndWritesItsBatchBack(drop: Drop) throws {
        let server = try PrivateSSHServer.start()
        defer { server.stop() }
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        // On the far side, as a login shell runs a command: the session's leader is a shell that
        // dies of the hang-up, and its death sends the dashboard a second SIGHUP. Between them a
        // shell that ignores the hang-up records how the dashboard exited; the dashboard itself
        // starts with the hang-up's default disposition.
        let script = server.folder + "/remote.sh"
        try """
            sh -c 'trap "" HUP; ( trap - HUP; exec env DATABASE_URL="\(schema.conninfo)" LANG=C.UTF-8 \\
                "\(Executable.path)" monitor --latency-ms 20 --refresh 0.5 2>>\(server.folder)/log ); echo $? > \(server.folder)/status'
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let tmux = try TmuxSession(command: server.sshCommand(["sh", script]), environment: ["LANG": "C.UTF-8"])
        defer { tmux.close() }
        try tmux.waitFor("router running")
        #expect(try Executable.run(["enqueue", "--synthetic", "300"], environment: schema.processEnvironment).status == 0)
        try connection.waitForAny("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING'")

        let dropped = ContinuousClock.now
        switch drop {
        case .terminalClosed:
            tmux.close()
        case .clientKilled:
            let client = try #require(try tmux.programPID())
            kill(client, SIGKILL)
        case .connectionCut:
            for session in server.sessionProcesses() { kill(session, SIGKILL) }
        }

        // The shell creates the file, then writes the status: wait for the status itself.
        func recordedStatus() -> String? {
            let text = (try? String(contentsOfFile: server.folder + "/status", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return text?.isEmpty == false ? text : nil
        }
        let deadline = Date().addingTimeInterval(30)
        while recordedStatus() == nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let status = recordedStatus()
        print("ssh drop (\(drop.rawValue)): the dashboard had exited \(dropped.duration(to: .now)) after the drop")
        let log = (try? String(contentsOfFile: server.folder + "/log", encoding: .utf8)) ?? ""
        #expect(status == "129", "exit 128 + SIGHUP; log: \(log)")
        #expect(log.contains("embedded router stopped"), "\(log)")
        // The batch in flight was finished and written back: nothing RUNNING, nothing put back.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status IN ('RUNNING', 'RETRYING')") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") > 0)
    }
}

/// A throwaway `sshd` on 127.0.0.1: its own folder, host key, user key and configuration.
struct PrivateSSHServer {
    let folder: String
    let port: Int
    let pid: Int32
    let user: String

    static func start() throws -> PrivateSSHServer {
        let sshd = "/usr/sbin/sshd"
        guard FileManager.default.isExecutableFile(atPath: sshd) else {
            throw DatabaseError(message: "sshd is missing: install openssh-server (scripts/install-deps.sh does).")
        }
        let folder = "/tmp/switchyard-sshd-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        for key in ["host_key", "user_key"] {
            try checked(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", folder + "/" + key])
        }
        try FileManager.default.copyItem(atPath: folder + "/user_key.pub", toPath: folder + "/authorized_keys")
        // As root, sshd wants its privilege-separation folder (a runtime folder, not configuration).
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        let user = String(cString: getpwuid(geteuid()).pointee.pw_name)
        for _ in 0..<20 {
            let port = Int.random(in: 30_000...60_000)
            try """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(folder)/host_key
                PidFile \(folder)/sshd.pid
                AuthorizedKeysFile \(folder)/authorized_keys
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PermitRootLogin prohibit-password
                """.write(toFile: folder + "/sshd_config", atomically: true, encoding: .utf8)
            // sshd binds before it goes to the background: a port in use is a non-zero exit, and
            // only then is another port tried. Started, it writes its pid file (slowly, under load).
            let (status, _) = try ChildProcess.run([sshd, "-f", folder + "/sshd_config", "-E", folder + "/sshd.log"])
            guard status == 0 else { continue }
            let pidFile = folder + "/sshd.pid"
            let started = Date().addingTimeInterval(30)
            while Date() < started {
                if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                   let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    return PrivateSSHServer(folder: folder, port: port, pid: pid, user: user)
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            break
        }
        _ = try? ChildProcess.run(["/usr/bin/pkill", "-f", folder + "/sshd_config"])
        throw DatabaseError(message: "Could not start a private sshd: \((try? String(contentsOfFile: folder + "/sshd.log", encoding: .utf8)) ?? "")")
    }

    /// `ssh -tt` to this server running `remote`, with the test's own keys and no known_hosts.
    func sshCommand(_ remote: [String]) -> [String] {
        ["/usr/bin/ssh", "-tt", "-i", folder + "/user_key", "-p", "\(port)", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-F", "/dev/null", "\(user)@127.0.0.1"] + remote
    }

    /// The per-connection sshd processes: the listener's sshd descendants, not the programs
    /// the session runs.
    func sessionProcesses() -> [Int32] {
        var found: [Int32] = []
        var parents = [pid]
        while let parent = parents.popLast() {
            let (_, output) = (try? ChildProcess.run(["/usr/bin/pgrep", "-P", "\(parent)"])) ?? (1, "")
            let children = output.split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
                .filter { child in
                    let name = (try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8)) ?? ""
                    return name.trimmingCharacters(in: .whitespacesAndNewlines) == "sshd"
                }
            found += children
            parents += children
        }
        return found
    }

    func stop() {
        for session in sessionProcesses() { kill(session, SIGKILL) }
        kill(pid, SIGTERM)
        // Any listener started from this folder, whatever its pid file says.
        _ = try? ChildProcess.run(["/usr/bin/pkill", "-f", folder + "/sshd_config"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func checked(_ command: [String]) throws {
        let (status, output) = try ChildProcess.run(command)
        guard status == 0 else { throw DatabaseError(message: "\(command.joined(separator: " ")) failed: \(output)") }
    }
}
