import Foundation
import SwitchyardTestSupport
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// `NCursesTerminal` in a real tmux pane: this test binary runs itself inside tmux as the
/// dashboard (`dashboardInsideTmux`, with the fake backend), and the tests drive it with
/// `send-keys`, `resize-window` and signals, reading the screen with `capture-pane -p`.
/// Skipped when tmux is not installed. Waits are `Task.sleep`: a blocked thread of the
/// cooperative pool (two here) would starve the database tests running beside these.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed"))
struct NCursesTerminalTests {
    /// The first frame waits for a new process of this test binary to start inside tmux: well
    /// under a second alone, over 20 s once under four parallel builds. Later waits are short.
    static let processStart = 60.0

    @Test(.timeLimit(.minutes(2))) func xtermUnicodeKeysResizeAndQuit() async throws {
        let pane = try Tmux.start(term: "xterm-256color", lang: "C.UTF-8")
        defer { pane.close() }
        let screen = try await pane.waitFor("PENDING    137", seconds: Self.processStart)
        #expect(screen.contains("┌─ Queue"))
        #expect(screen.contains("ops@db.internal:5432/switchyard"))
        pane.send("?")
        _ = try await pane.waitFor("Moving around")
        pane.send("Escape")
        _ = try await pane.waitFor("Failed tasks")
        pane.send("Enter")
        _ = try await pane.waitFor("attempts 5/5")
        pane.send("Escape")
        _ = try await pane.waitFor("Failed tasks")
        pane.send("Down", "Down", "Enter") // arrow keys arrive as keys, not as Esc and letters
        _ = try await pane.waitFor("Task #1011")
        pane.send("Escape")
        _ = try await pane.waitFor("Failed tasks")
        pane.resize(columns: 40, rows: 10)
        _ = try await pane.waitFor("The terminal is 40x10")
        pane.resize(columns: 100, rows: 30)
        _ = try await pane.waitFor("PENDING    137")
        pane.send("q")
        let result = try await pane.waitForExit()
        #expect(result == "quit restored")
        // The alternate screen is gone: the dashboard left nothing behind.
        #expect(!(try pane.capture()).contains("PENDING"))
    }

    @Test(.timeLimit(.minutes(2)), arguments: ["vt100", "screen", "tmux-256color"])
    func asciiWithoutUTF8AndSIGTERMRestores(term: String) async throws {
        let pane = try Tmux.start(term: term, lang: "C")
        defer { pane.close() }
        let screen = try await pane.waitFor("PENDING    137", seconds: Self.processStart)
        let ascii = screen.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(ascii)
        #expect(screen.contains("+- Queue"))
        try await pane.signal(SIGTERM)
        #expect(try await pane.waitForExit() == "signal(\(SIGTERM)) restored")
    }

    @Test(.timeLimit(.minutes(2))) func sighupExitsPromptly() async throws {
        let pane = try Tmux.start(term: "xterm-256color", lang: "C.UTF-8")
        defer { pane.close() }
        _ = try await pane.waitFor("PENDING    137", seconds: Self.processStart)
        try await pane.signal(SIGHUP)
        #expect(try await pane.waitForExit() == "signal(\(SIGHUP)) restored")
    }

    @Test(.timeLimit(.minutes(2))) func aClosedPaneEndsTheDashboard() async throws {
        // The SSH session dropping: the tty hangs up under the process.
        let pane = try Tmux.start(term: "xterm-256color", lang: "C.UTF-8")
        _ = try await pane.waitFor("PENDING    137", seconds: Self.processStart)
        let pid = try await pane.childPID()
        pane.close()
        let deadline = Date().addingTimeInterval(10)
        while Tmux.isRunning(pid), Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!Tmux.isRunning(pid), "the dashboard still runs after its tty hung up")
        if Tmux.isRunning(pid) {
            Glibc.kill(pid, SIGKILL)
            print((try? String(contentsOfFile: pane.resultPath + ".log", encoding: .utf8)) ?? "")
        }
        pane.close()
    }

    /// Not a test on its own: the dashboard the tests above start inside tmux. In a normal run
    /// it is reported as skipped, not as passed.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[Tmux.childVariable] != nil,
                   "the dashboard the tmux tests start as their child; not a test on its own"))
    func dashboardInsideTmux() async throws {
        let resultPath = try #require(ProcessInfo.processInfo.environment[Tmux.childVariable])
        try "\(getpid())".write(toFile: resultPath + ".pid", atomically: true, encoding: .utf8)
        let terminal = try NCursesTerminal(noColor: false)
        let options = DashboardOptions(settings: Fixture.settings(), refresh: .milliseconds(500))
        let exit = await DashboardRuntime(backend: FakeBackend(snapshots: [Fixture.busySnapshot]), options: options,
                                          clock: { Fixture.now })
            .run(terminal: terminal)
        let restored = isatty(STDIN_FILENO) == 0 || terminalIsSane() ? "restored" : "not-restored"
        try "\(exit) \(restored)".write(toFile: resultPath, atomically: true, encoding: .utf8)
    }

    /// Echo and canonical mode are back on the tty after the dashboard.
    private func terminalIsSane() -> Bool {
        var settings = termios()
        guard tcgetattr(STDIN_FILENO, &settings) == 0 else { return true }
        return settings.c_lflag & tcflag_t(ECHO) != 0 && settings.c_lflag & tcflag_t(ICANON) != 0
    }
}

/// The dashboard child (`dashboardInsideTmux`) in a `TmuxSession`, and what it reports back
/// through files: its pid, and how it stopped.
struct Tmux {
    static let childVariable = "SWITCHYARD_NCURSES_CHILD_RESULT"
    static var isAvailable: Bool { TmuxSession.isAvailable }

    /// True while `pid` runs (a zombie waiting for its parent counts as stopped).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: end)...].hasPrefix(" Z")
    }

    let pane: TmuxSession
    let resultPath: String

    static func start(term: String, lang: String) throws -> Tmux {
        let resultPath = NSTemporaryDirectory() + "swy-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).result"
        let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = "exec \(binary) --testing-library swift-testing --filter NCursesTerminalTests/dashboardInsideTmux"
            + " >/dev/null 2>\(resultPath).log"
        let pane = try TmuxSession(command: ["/bin/sh", "-c", child],
                                   environment: ["LANG": lang, "LC_ALL": lang, childVariable: resultPath], term: term)
        return Tmux(pane: pane, resultPath: resultPath)
    }

    func capture() throws -> String { try pane.screen() }

    func waitFor(_ text: String, seconds: Double = 20) async throws -> String {
        do {
            return try await pane.waitUntilShown(text, seconds: seconds)
        } catch {
            Issue.record("\(error)")
            throw TmuxTimeout()
        }
    }

    /// What the child wrote when it stopped: "<DashboardExit> restored|not-restored".
    func waitForExit(seconds: Double = 10) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: resultPath, encoding: .utf8) { return text }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the dashboard did not stop within \(seconds) s")
        throw TmuxTimeout()
    }

    func childPID() async throws -> pid_t {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: resultPath + ".pid", encoding: .utf8), let pid = pid_t(text) {
                return pid
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TmuxTimeout()
    }

    func signal(_ signal: Int32) async throws { Glibc.kill(try await childPID(), signal) }

    func send(_ keys: String...) {
        for key in keys { try? pane.send(key) }
    }

    func resize(columns: Int, rows: Int) { try? pane.resize(columns: columns, rows: rows) }

    func close() {
        pane.close()
        for path in [resultPath, resultPath + ".pid", resultPath + ".log"] { try? FileManager.default.removeItem(atPath: path) }
    }
}

struct TmuxTimeout: Error {}

/// What get_wch returns, as the dashboard's keys.
struct NCursesKeyTests {
    @Test func functionKeysAndControlCharactersMapToKeys() {
        // KEY_UP 0403, KEY_DOWN 0402, KEY_NPAGE 0522, KEY_BTAB 0541, KEY_ENTER 0527 (curses.h).
        #expect(NCursesTerminal.key(code: 0o403, isFunctionKey: true) == .up)
        #expect(NCursesTerminal.key(code: 0o402, isFunctionKey: true) == .down)
        #expect(NCursesTerminal.key(code: 0o522, isFunctionKey: true) == .pageDown)
        #expect(NCursesTerminal.key(code: 0o541, isFunctionKey: true) == .backTab)
        #expect(NCursesTerminal.key(code: 0o527, isFunctionKey: true) == .enter)
        #expect(NCursesTerminal.key(code: 13, isFunctionKey: false) == .enter)
        #expect(NCursesTerminal.key(code: 10, isFunctionKey: false) == .enter)
        #expect(NCursesTerminal.key(code: 27, isFunctionKey: false) == .escape)
        #expect(NCursesTerminal.key(code: 9, isFunctionKey: false) == .tab)
        #expect(NCursesTerminal.key(code: 127, isFunctionKey: false) == .backspace)
        #expect(NCursesTerminal.key(code: 3, isFunctionKey: false) == nil)
    }

    @Test func printableCharactersAreCharacters() {
        for character in "qrdhPR?/+- jkG1é" {
            let code = Int32(character.unicodeScalars.first!.value)
            #expect(NCursesTerminal.key(code: code, isFunctionKey: false) == .character(character))
        }
    }
}
