import Foundation

/// Runs a helper program (tmux, pgrep, scripts/pg.sh) to its end, for tests.
///
/// posix_spawn and waitpid, not Foundation's Process: Process learns that a child ended when
/// a socket the child inherited closes, and the tmux server that `new-session` forks keeps it
/// (and any pipe) open for as long as it runs, so Process would wait forever. Output goes
/// through a file for the same reason.
public enum ChildProcess {
    /// Runs `argv` (looked up on PATH) with stdin from /dev/null and no descriptor inherited
    /// but stdout and stderr; returns its exit status (128 + N when signal N ended it) and its
    /// output, stderr included.
    public static func run(_ argv: [String], environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> (status: Int32, output: String)
    {
        let output = NSTemporaryDirectory() + "switchyard-child-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else is inherited: a tmux server holding another test's pipes would stall it.
        _ = spawnActionsCloseFrom(&actions, 3)

        // The child starts with no signal blocked and default handlers: the test's threads
        // block most signals, and a tmux server that inherited that mask would ignore
        // kill-server's SIGTERM and never notice its panes exit.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArguments = (["/usr/bin/env"] + argv).map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, cArguments, cEnvironment)
        guard spawned == 0 else {
            throw ChildProcessError(description: "\(argv.joined(separator: " ")): posix_spawn failed: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS are macros: exit status in bits 8-15 when the low 7 bits are 0.
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, text)
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (glibc 2.34 and later; Debian 12 has
/// 2.36), which Swift's Glibc module does not show: it is declared only under _GNU_SOURCE.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnActionsCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
