import Foundation

/// A real terminal for end-to-end tests: a private tmux server with one pane of a fixed
/// size, driven the way an operator drives it (`send-keys`) and read the way they read it
/// (`capture-pane`). The engine's end-to-end tests and the TUI's ncurses tests share it.
public final class TmuxSession: @unchecked Sendable {   // used by one test at a time
    public enum Failure: Error, CustomStringConvertible {
        case command([String], String)
        case timedOut(waitingFor: String, screen: String)

        public var description: String {
            switch self {
            case .command(let arguments, let output):
                "tmux \(arguments.joined(separator: " ")) failed: \(output)"
            case .timedOut(let text, let screen):
                "timed out waiting for \"\(text)\"; the screen was:\n\(screen)"
            }
        }
    }

    public let socket: String
    public let session = "switchyard"

    /// True when tmux is installed (the tests that need it are skipped otherwise).
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }
    /// The tmux server's pid, so that it is stopped even when `kill-server` cannot reach it.
    private var serverPID: Int32?

    /// Starts `command` (argv) in a `width`x`height` pane with `environment` added to tmux's own.
    /// A shell wraps it: when the program exits, the shell prints `[exited N]`, the terminal's
    /// modes (`stty -a`) and `[end]`, so a test sees how the program left the terminal.
    public init(command: [String], environment: [String: String], width: Int = 80, height: Int = 24,
         term: String = "xterm-256color") throws {
        socket = NSTemporaryDirectory() + "switchyard-tmux-\(UInt32.random(in: 0...UInt32.max))"
        var arguments = ["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)"]
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            arguments += ["-e", "\(name)=\(value)"]
        }
        let wrapper = "\"$@\"; status=$?; printf '\\n[exited %d]\\n' \"$status\"; stty -a | tr '\\n' ' ' | fold -s -w 78; printf '\\n[end]\\n'; exec sleep 120"
        arguments += ["env", "TERM=\(term)", "/bin/sh", "-c", wrapper, "sh"] + command
        try tmux(["-f", "/dev/null"] + arguments)   // no ~/.tmux.conf: the same pane everywhere
        serverPID = Int32(try tmux(["display-message", "-p", "-t", session, "#{pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit { close() }

    /// Stops the tmux server and the program in it. Calling it twice is harmless.
    public func close() {
        guard let pid = serverPID else { return }
        serverPID = nil
        _ = try? tmux(["kill-server"])
        kill(pid, SIGTERM)
        try? FileManager.default.removeItem(atPath: socket)
    }

    /// The visible screen, one line per row.
    public func screen() throws -> String {
        try tmux(["capture-pane", "-p", "-t", session])
    }

    /// Keys in tmux's names ("Enter", "Escape", "C-c") or literal text, one after another.
    public func send(_ keys: String...) throws {
        for key in keys { try tmux(["send-keys", "-t", session, key]) }
    }

    /// Resizes the pane's window, as dragging the terminal's corner does.
    public func resize(columns: Int, rows: Int) throws {
        try tmux(["resize-window", "-t", session, "-x", "\(columns)", "-y", "\(rows)"])
    }

    /// Waits until the screen contains `text`; returns that screen.
    @discardableResult
    public func waitFor(_ text: String, timeout: TimeInterval = 20) throws -> String {
        try waitUntil(description: text, timeout: timeout) { $0.contains(text) }
    }

    /// Waits for the program to end; returns its exit status and the screen with the
    /// terminal's modes after it.
    public func waitForExit(timeout: TimeInterval = 20) throws -> (status: Int32?, screen: String) {
        let screen = try waitFor("[end]", timeout: timeout)
        let status = screen.range(of: "[exited ").flatMap { range in
            Int32(screen[range.upperBound...].prefix(while: \.isNumber))
        }
        return (status, screen)
    }

    @discardableResult
    public func waitUntil(description: String, timeout: TimeInterval = 20, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure.timedOut(waitingFor: description, screen: last)
    }

    /// The same wait for async tests: sleeps with `Task.sleep`, so the cooperative pool (two
    /// threads here) is not blocked for the database tests running beside.
    @discardableResult
    public func waitUntilShown(_ text: String, seconds: Double = 20) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if last.contains(text) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure.timedOut(waitingFor: text, screen: last)
    }

    /// The pid of the program under test (the wrapping shell's child), once it runs.
    public func programPID() throws -> Int32? {
        let shell = try tmux(["display-message", "-p", "-t", session, "#{pane_pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (_, found) = try Self.spawnAndWait(["pgrep", "-P", shell])
        return found.split(separator: "\n").first.flatMap { Int32($0) }
    }

    @discardableResult
    public func tmux(_ arguments: [String]) throws -> String {
        let (status, text) = try Self.spawnAndWait(["tmux", "-S", socket] + arguments)
        guard status == 0 else { throw Failure.command(arguments, text) }
        return text
    }

    /// Runs a program to its end; see `ChildProcess`.
    public static func spawnAndWait(_ argv: [String]) throws -> (Int32, String) {
        let result = try ChildProcess.run(argv, environment: ProcessInfo.processInfo.environment.filter { $0.key != "TMUX" })
        return (result.status, result.output)
    }
}
