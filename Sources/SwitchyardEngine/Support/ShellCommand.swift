import Glibc

/// Runs `/bin/sh -c command` with bytes on its standard input and its standard error kept, for
/// at most a given time: what an alert's `--command` target does.
///
/// posix_spawn, not Foundation's `Process` (see `Lock` for why the engine does not import
/// Foundation). Standard input is one end of a socket pair, written with MSG_NOSIGNAL: a
/// program that exits without reading it cannot kill this process with SIGPIPE, and nothing
/// here changes the process's signal handling.
public enum ShellCommand {
    public enum Outcome: Sendable, Equatable {
        /// It exited by itself: its status and the end of its standard error.
        case exited(status: Int32, standardError: String)
        /// A signal ended it.
        case signalled(Int32, standardError: String)
        /// Still running at the deadline: it was stopped (SIGTERM, then SIGKILL after 2 s).
        case timedOut
        /// /bin/sh could not be started; the system's reason.
        case notStarted(String)
    }

    public static func run(_ command: String, input: [UInt8], timeout: Duration) -> Outcome {
        var stdinPair: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &stdinPair) == 0 else {
            return .notStarted(String(cString: strerror(errno)))
        }
        guard pipe(&stderrPipe) == 0 else {
            let reason = String(cString: strerror(errno))
            stdinPair.forEach { close($0) }
            return .notStarted(reason)
        }
        // Not inherited by other children started meanwhile (the dup2s below give the child its own).
        stderrPipe.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPair[1], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        // The child starts with default signal handlers and none blocked, whatever this
        // process's threads block or ignore.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments, environ)
        close(stdinPair[1])
        close(stderrPipe[1])
        defer { close(stdinPair[0]); close(stderrPipe[0]) }
        guard spawned == 0 else { return .notStarted(String(cString: strerror(spawned))) }

        _ = fcntl(stdinPair[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(stderrPipe[0], F_SETFL, O_NONBLOCK)
        var pending = input[...], errors: [UInt8] = [], inputOpen = true
        if pending.isEmpty { shutdown(stdinPair[0], Int32(SHUT_WR)); inputOpen = false }
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            if waitpid(pid, &status, WNOHANG) == pid { break }
            guard ContinuousClock.now < deadline else {
                stop(pid)
                return .timedOut
            }
            var fds = [pollfd(fd: stderrPipe[0], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inputOpen ? stdinPair[0] : -1, events: Int16(POLLOUT), revents: 0)]
            _ = poll(&fds, 2, 20)
            readAvailable(stderrPipe[0], into: &errors)
            if inputOpen {
                let sent = pending.withUnsafeBytes { send(stdinPair[0], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent > 0 { pending = pending.dropFirst(sent) }
                // Everything written, or the program closed its input: it sees end of file.
                if pending.isEmpty || (sent < 0 && errno != EAGAIN && errno != EINTR) {
                    shutdown(stdinPair[0], Int32(SHUT_WR))
                    inputOpen = false
                }
            }
        }
        readAvailable(stderrPipe[0], into: &errors)
        let text = String(decoding: errors.suffix(4096), as: UTF8.self)
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros: exit status in bits 8-15 when the low 7 bits are 0.
        return status & 0x7f == 0 ? .exited(status: (status >> 8) & 0xff, standardError: text)
            : .signalled(status & 0x7f, standardError: text)
    }

    /// SIGTERM, then SIGKILL if it is still there 2 s later; reaps it.
    private static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            sleepThread(for: .milliseconds(10))
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Appends what `fd` (non-blocking) has to read now.
    private static func readAvailable(_ fd: Int32, into bytes: inout [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            bytes += buffer[..<count]
            if bytes.count > 65_536 { bytes.removeFirst(bytes.count - 65_536) }
        }
    }
}
