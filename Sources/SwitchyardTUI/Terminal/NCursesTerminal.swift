import CNCurses
import Foundation

/// Why the dashboard cannot take over this terminal; says what to do instead.
public struct TerminalError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The real terminal, through ncursesw: draws only the cells that changed since the last
/// frame, reads keys, reports resizes (ncurses' own SIGWINCH handling) and SIGINT, SIGTERM and
/// SIGHUP as events, and always gives the terminal back as it found it.
///
/// Used from one thread at a time: created on one, then handed to the dashboard's thread.
public final class NCursesTerminal: Terminal {
    private var screen: OpaquePointer?
    private var shown: CellBuffer?
    private var restored = false
    private let theme: Theme
    /// Attributes and colour pair per role, worked out once.
    private var looks: [StyleRole: (attributes: attr_t, pair: Int16)] = [:]
    public let supportsUnicode: Bool

    /// Takes over the terminal (the alternate screen, no echo, no cursor). `colors: false`
    /// (`--no-color`, `NO_COLOR`) or a terminal without colours draws with attributes only.
    public init(colors: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let term = environment["TERM"] ?? ""
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError("The dashboard needs a terminal on stdin and stdout. For scripts, use `switchyard stats` (or `stats --json`).")
        }
        guard !term.isEmpty, term != "dumb" else {
            throw TerminalError("TERM is \(term.isEmpty ? "not set" : "dumb"), which cannot show a full-screen dashboard. Set TERM (e.g. xterm-256color), or use `switchyard stats`.")
        }
        setlocale(LC_ALL, "")
        let codeset = String(cString: swy_codeset())
        supportsUnicode = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        swy_install_signal_handlers()
        guard let screen = swy_newterm() else {
            throw TerminalError("The terminal type \(term) is unknown here. Try TERM=xterm-256color (or vt100).")
        }
        self.screen = screen
        set_escdelay(25)
        cbreak()
        noecho()
        nonl()
        swy_enable_keypad()
        curs_set(0)
        let useColor = colors && has_colors()
        theme = useColor ? .color : .monochrome
        if useColor {
            start_color()
            use_default_colors()
        }
        var pairs: [TextAttributesColors: Int16] = [:]
        for role in StyleRole.allCases {
            let look = theme.attributes(for: role)
            var attributes = swy_attr_normal()
            if look.bold { attributes |= swy_attr_bold() }
            if look.dim { attributes |= swy_attr_dim() }
            if look.reverse { attributes |= swy_attr_reverse() }
            if look.underline { attributes |= swy_attr_underline() }
            var pair: Int16 = 0
            if useColor, look.foreground != nil || look.background != nil {
                let key = TextAttributesColors(foreground: look.foreground, background: look.background)
                if let known = pairs[key] {
                    pair = known
                } else {
                    pair = Int16(pairs.count + 1)
                    pairs[key] = pair
                    _ = swy_init_pair(pair, Int16(look.foreground?.rawValue ?? -1), Int16(look.background?.rawValue ?? -1))
                }
            }
            looks[role] = (attributes, pair)
        }
    }

    deinit { restore() }

    public var size: TerminalSize {
        var rows: Int32 = 0, columns: Int32 = 0
        swy_screen_size(&rows, &columns)
        return TerminalSize(columns: Int(columns), rows: Int(rows))
    }

    public func nextEvent(timeout: Duration) -> TerminalEvent? {
        if let signal = takeSignal() { return .interrupted(signal) }
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000
            + timeout.components.attoseconds / 1_000_000_000_000_000)
        swy_input_timeout(max(0, milliseconds))
        var key: wint_t = 0
        let result = swy_read_key(&key)
        if let signal = takeSignal() { return .interrupted(signal) }
        switch result {
        case KEY_CODE_YES:
            if key == KEY_RESIZE {
                shown = nil
                swy_force_repaint()
                return .resized(size)
            }
            return Self.functionKey(Int32(key)).map { .key($0) }
        case OK:
            return Self.characterKey(UInt32(key)).map { .key($0) }
        default:
            return nil
        }
    }

    public func draw(_ frame: CellBuffer) {
        guard !restored else { return }
        let runs = frame.changes(since: shown)
        shown = frame
        guard !runs.isEmpty else { return }
        for run in runs {
            let look = looks[run.role] ?? (swy_attr_normal(), 0)
            var text = run.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
            if !supportsUnicode {
                text = text.map { $0 < 0x80 ? $0 : wchar_t(UInt8(ascii: "?")) }
            }
            swy_draw(Int32(run.row), Int32(run.column), text, Int32(text.count), look.attributes, look.pair)
        }
        swy_refresh()
    }

    public func restore() {
        guard !restored else { return }
        restored = true
        // endwin twice re-sends the alternate-screen exit; isendwin guards it.
        if isendwin() == false { endwin() }
        if let screen { delscreen(screen) }
        screen = nil
    }

    private func takeSignal() -> Int32? {
        let signal = swy_take_signal()
        return signal == 0 ? nil : signal
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_ENTER: .enter
        case KEY_BACKSPACE: .backspace
        case KEY_BTAB: .backTab
        default: nil
        }
    }

    static func characterKey(_ value: UInt32) -> Key? {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 0..<32: return nil
        default: return Unicode.Scalar(value).map { .character(Character($0)) }
        }
    }
}

/// A foreground and background pair, for colour-pair numbering.
private struct TextAttributesColors: Hashable {
    var foreground: TerminalColor?
    var background: TerminalColor?
}
