/// Something that happened at the terminal.
public enum TerminalEvent: Equatable, Sendable {
    case key(Key)
    case resized(TerminalSize)
    /// SIGINT, SIGTERM or SIGHUP arrived (the signal number).
    case interrupted(Int32)
}

/// A full-screen terminal the runtime draws frames into. Used from one thread only: the
/// runtime's own.
public protocol Terminal: AnyObject {
    var size: TerminalSize { get }
    /// False when the locale cannot show Unicode line drawing (the views then use ASCII).
    var supportsUnicode: Bool { get }
    /// Waits at most `timeout` for a key, a resize or a signal; nil when nothing happened. A
    /// readable `wake` descriptor ends the wait early too (the runtime's mailbox: a result arrived).
    func nextEvent(timeout: Duration, wake: Int32?) -> TerminalEvent?
    /// Shows `frame`, writing only the cells that differ from the frame shown before.
    func draw(_ frame: CellBuffer)
    /// Gives the terminal back as it was. Calling it twice is harmless.
    func restore()
}

extension Terminal {
    /// Waits at most `timeout` for a key, a resize or a signal.
    public func nextEvent(timeout: Duration) -> TerminalEvent? { nextEvent(timeout: timeout, wake: nil) }
}
