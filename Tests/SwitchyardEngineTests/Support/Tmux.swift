import Foundation

/// A real terminal for end-to-end tests: a private tmux server with one pane of a fixed
/// size, driven the way an operator drives it (`send-keys`) and read the way they read it
/// (`capture-pane`).
final class TmuxSession {
    enum Failure: Error, CustomStringConvertible {
        case command([String], String)
        case timedOut(waitingFor: String, screen: String)

        var description: String {
            switch self {
            case .command(let arguments, let output):
                "tmux \(arguments.joined(separator: " ")) failed: \(output)"
            case .timedOut(let text, let screen):
                "timed out waiting for \"\(text)\"; the screen was:\n\(screen)"
            }
        }
    }

    let socket: String
    let session = "switchyard"
    /// The tmux server's pid, so that it is stopped even when `kill-server` cannot reach it.
    private var serverPID: Int32?

    /// Starts `command` (argv) in a `width`x`height` pane with `environment` added to tmux's own.
    /// A shell wraps it: when the program exits, the shell prints `[exited N]`, the terminal's
    /// modes (`stty -a`) and `[end]`, so a test sees how the program left the terminal.
    init(command: [String], environment: [String: String], width: Int = 80, height: Int = 24,
         term: String = "xterm-256color") throws {
        socket = NSTemporaryDirectory() + "switchyard-tmux-\(UInt32.random(in: 0...UInt32.max))"
        var arguments = ["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)"]
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            arguments += ["-e", "\(name)=\(value)"]
        }
        let wrapper = "\"$@\"; status=$?; printf '\\n[exited %d]\\n' \"$status\"; stty -a | tr '\\n' ' ' | fold -s -w 78; printf '\\n[end]\\n'; exec sleep 120"
        arguments += ["env", "TERM=\(term)", "/bin/sh", "-c", wrapper, "sh"] + command
        try tmux(arguments)
        serverPID = Int32(try tmux(["display-message", "-p", "-t", session, "#{pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit { close() }

    /// Stops the tmux server and the program in it. Calling it twice is harmless.
    func close() {
        guard let pid = serverPID else { return }
        serverPID = nil
        _ = try? tmux(["kill-server"])
        kill(pid, SIGTERM)
        try? FileManager.default.removeItem(atPath: socket)
    }

    /// The visible screen, one line per row.
    func screen() throws -> String {
        try tmux(["capture-pane", "-p", "-t", session])
    }

    /// Keys in tmux's names ("Enter", "Escape", "C-c") or literal text.
    func send(_ keys: String...) throws {
        try tmux(["send-keys", "-t", session] + keys)
    }

    /// Waits until the screen contains `text`; returns that screen.
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 20) throws -> String {
        try waitUntil(description: text, timeout: timeout) { $0.contains(text) }
    }

    /// Waits for the program to end; returns its exit status and the screen with the
    /// terminal's modes after it.
    func waitForExit(timeout: TimeInterval = 20) throws -> (status: Int32?, screen: String) {
        let screen = try waitFor("[end]", timeout: timeout)
        let status = screen.range(of: "[exited ").flatMap { range in
            Int32(screen[range.upperBound...].prefix(while: \.isNumber))
        }
        return (status, screen)
    }

    @discardableResult
    func waitUntil(description: String, timeout: TimeInterval = 20, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure.timedOut(waitingFor: description, screen: last)
    }

    /// The pid of the program under test (the wrapping shell's child), once it runs.
    func programPID() throws -> Int32? {
        let shell = try tmux(["display-message", "-p", "-t", session, "#{pane_pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (_, found) = try Self.spawnAndWait(["pgrep", "-P", shell])
        return found.split(separator: "\n").first.flatMap { Int32($0) }
    }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let (status, text) = try Self.spawnAndWait(["tmux", "-S", socket] + arguments)
        guard status == 0 else { throw Failure.command(arguments, text) }
        return text
    }

    /// Runs a program to its end and returns its status and output, by posix_spawn and
    /// waitpid. Not Foundation's Process: it learns that a child ended when a socket the child
    /// inherited closes, and the tmux server that `new-session` forks keeps that socket open
    /// for as long as it runs, so Process would wait forever.
    static func spawnAndWait(_ argv: [String]) throws -> (Int32, String) {
        let output = NSTemporaryDirectory() + "switchyard-spawn-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else is inherited: a tmux server holding another test's pipes would stall it.
        _ = spawnActionsCloseFrom(&actions, 3)
        let cArguments = (["/usr/bin/env"] + argv).map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        // The child starts with no signal blocked: the test's threads block most of them, and a
        // tmux server that inherited that mask would ignore kill-server's SIGTERM and live on.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for signal in [SIGTERM, SIGHUP, SIGINT, SIGPIPE] { sigaddset(&stopSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &stopSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, cArguments, environ)
        guard spawned == 0 else { throw Failure.command(argv, "posix_spawn failed: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS are macros: exit status in bits 8-15 when the low 7 bits are 0.
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, text)
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (glibc 2.34 and later; Debian 12 has
/// 2.36), which Swift's Glibc module does not show: it is declared only under _GNU_SOURCE.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnActionsCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
