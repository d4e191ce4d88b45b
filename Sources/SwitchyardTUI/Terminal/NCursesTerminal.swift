import CNCurses
import FoundationEssentials
import Glibc
import SwitchyardEngine

/// Why the dashboard could not take over the terminal. Shown before any curses mode starts.
public enum TerminalError: Error, Equatable, CustomStringConvertible {
    /// /dev/tty could not be opened (no controlling terminal: cron, a pipe, `ssh host cmd`).
    case noTerminal(String)
    /// TERM is unset or `dumb`.
    case dumbTerminal(String)
    /// TERM names a terminal the terminfo database does not know.
    case unknownTerminal(String)

    public var description: String {
        switch self {
        case .noTerminal(let reason):
            "There is no terminal to draw the dashboard on (/dev/tty: \(reason)).\n"
                + "Run `switchyard monitor` in a terminal (ssh -t for a remote command), "
                + "or use `switchyard stats` in scripts."
        case .dumbTerminal(let term):
            "TERM is \(term.isEmpty ? "not set" : "\"\(term)\""): the dashboard needs a full-screen terminal.\n"
                + "Set TERM (xterm-256color, screen, tmux-256color or vt100), or use `switchyard stats`."
        case .unknownTerminal(let term):
            "The terminal type \"\(term)\" is not in the terminfo database.\n"
                + "Set TERM to one that is (xterm-256color, screen, vt100), or install ncurses-term."
        }
    }
}

/// The real terminal: ncursesw on /dev/tty. The only type that imports CNCurses.
///
/// Draws only the cells that differ from the frame it drew last; reads keys with a short
/// ESCDELAY; reports SIGINT, SIGTERM and SIGHUP as `.interrupted`, and a hung-up tty as
/// SIGHUP. `restore()` gives the terminal back on every exit path: called by the runtime, by
/// an atexit hook, and by a fatal-signal handler on a crash. While it is active, the stop
/// signals no longer end the process by themselves: the runtime sees them and returns.
///
/// One per process. Used from one thread at a time (the runtime's); `restore()` may also
/// come from the atexit hook, so the curses calls are serialized by a lock.
public final class NCursesTerminal: Terminal {
    public let supportsUnicode: Bool
    /// True when roles are drawn in colour; false on monochrome terminals, `--no-color` or `NO_COLOR`.
    public let usesColor: Bool
    public private(set) var size: TerminalSize

    private let output: UnsafeMutablePointer<FILE>
    private let input: UnsafeMutablePointer<FILE>
    private let signalFD: Int32
    private let styles: [StyleRole: Style]
    private let lock = Lock()
    private var shown: CellBuffer?
    private var restored = false
    /// The tty hung up (or SIGHUP arrived): restoring must not wait on it.
    private var hungUp = false

    /// How long a lone Esc waits for the rest of an escape sequence.
    static let escapeDelayMilliseconds: Int32 = 25

    private struct Style {
        var attributes: attr_t
        var pair: Int16
    }

    /// Takes over /dev/tty. `noColor` (or a non-empty `NO_COLOR`) draws with attributes only.
    ///
    /// Throws `TerminalError` before touching the screen when there is no usable terminal.
    public init(noColor: Bool = false,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        swy_use_environment_locale()
        let term = environment["TERM"] ?? ""
        guard !term.isEmpty, term != "dumb" else { throw TerminalError.dumbTerminal(term) }
        guard let output = fopen("/dev/tty", "w") else {
            throw TerminalError.noTerminal(String(cString: strerror(errno)))
        }
        guard let input = fopen("/dev/tty", "r") else {
            let reason = String(cString: strerror(errno))
            fclose(output)
            throw TerminalError.noTerminal(reason)
        }
        guard newterm(term, output, input) != nil else {
            fclose(output)
            fclose(input)
            throw TerminalError.unknownTerminal(term)
        }
        self.output = output
        self.input = input

        let codeset = String(cString: swy_codeset()).uppercased().replacing("-", with: "")
        supportsUnicode = codeset == "UTF8"

        cbreak()
        noecho()
        nonl()
        swy_enable_keypad()
        _ = curs_set(0)
        _ = set_escdelay(Self.escapeDelayMilliseconds)
        // Key reads never block: the runtime waits on the tty (and the signal pipe) itself.
        swy_input_timeout(0)

        let colorWanted = !noColor && (environment["NO_COLOR"] ?? "").isEmpty
        var usesColor = false
        var defaults: (foreground: Int16, background: Int16) = (-1, -1)
        if colorWanted, has_colors(), start_color() == OK {
            usesColor = true
            if use_default_colors() != OK { defaults = (Int16(COLOR_WHITE), Int16(COLOR_BLACK)) }
        }
        self.usesColor = usesColor
        styles = Self.styles(theme: usesColor ? .color : .monochrome, defaults: defaults)

        var rows: Int32 = 0
        var columns: Int32 = 0
        swy_screen_size(&rows, &columns)
        size = TerminalSize(columns: Int(columns), rows: Int(rows))

        signalFD = swy_install_stop_signals()
        swy_install_crash_restore()
        ActiveTerminal.shared.set(self)
    }

    /// Takes over /dev/tty with the dashboard's `--no-color` setting.
    public convenience init(options: DashboardOptions) throws {
        try self.init(noColor: options.noColor)
    }

    deinit { restore() }

    // MARK: Drawing

    public func draw(_ frame: CellBuffer) {
        lock.lock()
        defer { lock.unlock() }
        guard !restored else { return }
        if shown?.size != frame.size { swy_erase() }
        for run in frame.changes(since: shown) {
            var text = wideCharacters(run.text)
            let style = styles[run.role] ?? Style(attributes: swy_attr_normal(), pair: 0)
            swy_draw(Int32(run.row), Int32(run.column), &text, Int32(text.count), style.attributes, style.pair)
        }
        swy_refresh()
        shown = frame
    }

    /// The run as wchar_t; without a UTF-8 locale every non-ASCII character becomes `?`
    /// for each column it takes, so the columns after it stay in place.
    private func wideCharacters(_ text: String) -> [wchar_t] {
        var result: [wchar_t] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for character in text {
            if supportsUnicode || character.isASCII {
                for scalar in character.unicodeScalars { result.append(wchar_t(bitPattern: scalar.value)) }
            } else {
                let question = wchar_t(UInt8(ascii: "?"))
                result.append(contentsOf: repeatElement(question, count: max(1, DisplayWidth.of(character))))
            }
        }
        return result
    }

    // MARK: Input

    public func nextEvent(timeout: Duration, wake: Int32?) -> TerminalEvent? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let event = pendingEvent() { return event }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return nil }
            // The terminal, the signal pipe (when there is one) and the wake descriptor.
            var fds = [pollfd(fd: fileno(input), events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake ?? -1, events: Int16(POLLIN), revents: 0)]
            let milliseconds = Int32(min(remaining.seconds * 1000, 1000).rounded(.up))
            let ready = poll(&fds, nfds_t(fds.count), milliseconds)
            // A hung-up tty polls as readable too (and reads as end of file): HUP decides.
            if ready > 0, fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                markHungUp()
                return .interrupted(SIGHUP)
            }
            if ready > 0, fds[2].revents != 0 { return pendingEvent() }
            // EINTR (SIGWINCH, a stop signal), a key or a signal byte: look again.
        }
    }

    /// A stop signal, a resize or a key that is already waiting; nil when none is.
    private func pendingEvent() -> TerminalEvent? {
        let signal = swy_take_stop_signal()
        if signal != 0 {
            if signal == SIGHUP { markHungUp() }
            return .interrupted(signal)
        }
        lock.lock()
        defer { lock.unlock() }
        guard !restored else { return nil }
        while true {
            var character: wint_t = 0
            let result = swy_read_key(&character)
            if result == ERR { return nil }
            if result == KEY_CODE_YES, Int32(character) == KEY_RESIZE {
                var rows: Int32 = 0
                var columns: Int32 = 0
                swy_screen_size(&rows, &columns)
                size = TerminalSize(columns: Int(columns), rows: Int(rows))
                shown = nil  // the next draw erases and paints everything
                swy_force_repaint()
                return .resized(size)
            }
            if result == OK, character == 12 {
                // Ctrl-L: repaint the whole screen from what curses holds (a garbled line).
                swy_force_repaint()
                swy_refresh()
                continue
            }
            if let key = Self.key(code: Int32(character), isFunctionKey: result == KEY_CODE_YES) { return .key(key) }
        }
    }

    /// The dashboard's key for what get_wch returned; nil for keys it does not use.
    static func key(code: Int32, isFunctionKey: Bool) -> Key? {
        if isFunctionKey {
            switch code {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_ENTER: return .enter
            case KEY_BTAB: return .backTab
            case KEY_BACKSPACE: return .backspace
            default: return nil
            }
        }
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(UInt32(bitPattern: code)) else { return nil }
            return .character(Character(scalar))
        }
    }

    private func markHungUp() {
        lock.lock()
        defer { lock.unlock() }
        hungUp = true
    }

    // MARK: Restoring

    public func restore() {
        lock.lock()
        defer { lock.unlock() }
        guard !restored else { return }
        restored = true
        let outputFD = fileno(output)
        if hungUp || Self.isHungUp(outputFD) {
            // A dead tty: writing the reset sequence could only block or fail. Never wait on it.
            _ = fcntl(outputFD, F_SETFL, fcntl(outputFD, F_GETFL) | O_NONBLOCK)
        }
        if !Self.isHungUp(outputFD), !isendwin() {
            _ = curs_set(1)
            endwin()
        }
        swy_uninstall_crash_restore()
        swy_uninstall_stop_signals()
        ActiveTerminal.shared.clear(self)
    }

    private static func isHungUp(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&descriptor, 1, 0) > 0 && descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    // MARK: Styles

    private static func styles(theme: Theme, defaults: (foreground: Int16, background: Int16))
        -> [StyleRole: Style]
    {
        var pairs: [[Int16]: Int16] = [:]
        var styles: [StyleRole: Style] = [:]
        for role in StyleRole.allCases {
            let wanted = theme.attributes(for: role)
            var attributes = swy_attr_normal()
            if wanted.bold { attributes |= swy_attr_bold() }
            if wanted.dim { attributes |= swy_attr_dim() }
            if wanted.reverse { attributes |= swy_attr_reverse() }
            if wanted.underline { attributes |= swy_attr_underline() }
            var pair: Int16 = 0
            if theme.usesColor, wanted.foreground != nil || wanted.background != nil {
                let colors = [wanted.foreground.map { Int16($0.rawValue) } ?? defaults.foreground,
                              wanted.background.map { Int16($0.rawValue) } ?? defaults.background]
                if let known = pairs[colors] {
                    pair = known
                } else if pairs.count + 1 < Int(swy_color_pairs()) {
                    pair = Int16(pairs.count + 1)
                    if init_pair(pair, colors[0], colors[1]) == OK { pairs[colors] = pair } else { pair = 0 }
                }
            }
            styles[role] = Style(attributes: attributes, pair: pair)
        }
        return styles
    }
}

/// The terminal an atexit hook restores if the process exits without `restore()`
/// (`exit()` from elsewhere, an uncaught error in the command).
///
/// `@unchecked Sendable`: `terminal` is guarded by `lock`.
private final class ActiveTerminal: @unchecked Sendable {
    static let shared = ActiveTerminal()
    private let lock = Lock()
    private weak var terminal: NCursesTerminal?
    private var hookInstalled = false

    func set(_ terminal: NCursesTerminal) {
        lock.lock()
        defer { lock.unlock() }
        self.terminal = terminal
        if !hookInstalled {
            hookInstalled = true
            atexit { ActiveTerminal.shared.restoreAtExit() }
        }
    }

    func clear(_ terminal: NCursesTerminal) {
        lock.lock()
        defer { lock.unlock() }
        if self.terminal === terminal { self.terminal = nil }
    }

    private func restoreAtExit() {
        lock.lock()
        let terminal = self.terminal
        lock.unlock()
        terminal?.restore()
    }
}
