import FoundationEssentials
import SwitchyardEngine

/// A terminal in memory, for tests: scripted events in, frames and redrawn cells out.
///
/// `@unchecked Sendable`: every property is guarded by `lock`, so a test may read it while the
/// runtime's thread draws.
public final class MemoryTerminal: Terminal, @unchecked Sendable {
    /// One scripted event, delivered once `waitingFor` (when set) is on screen.
    public struct Step: Sendable {
        public var waitingFor: String?
        public var event: TerminalEvent
        public init(waitingFor: String? = nil, _ event: TerminalEvent) {
            self.waitingFor = waitingFor
            self.event = event
        }
    }

    private let lock = Lock()
    private var currentSize: TerminalSize
    private var script: [Step]
    private var shown: CellBuffer?
    private var drawnFrames = 0
    private var lastRedraw: [CellRun] = []
    private var totalCells = 0
    private var wasRestored = false
    public let supportsUnicode: Bool

    public init(size: TerminalSize = .standard, supportsUnicode: Bool = true, script: [Step] = []) {
        currentSize = size
        self.supportsUnicode = supportsUnicode
        self.script = script
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    public var size: TerminalSize { locked { currentSize } }
    /// What the screen shows now.
    public var screen: CellBuffer? { locked { shown } }
    public var frameCount: Int { locked { drawnFrames } }
    /// The runs of cells the last `draw` wrote (empty when nothing had changed).
    public var lastRedrawnRuns: [CellRun] { locked { lastRedraw } }
    /// Cells written by every `draw` so far.
    public var cellsWritten: Int { locked { totalCells } }
    public var isRestored: Bool { locked { wasRestored } }

    public func nextEvent(timeout: Duration, wake: Int32?) -> TerminalEvent? {
        let event: TerminalEvent? = locked {
            guard let step = script.first else { return nil }
            if let text = step.waitingFor, !(shown?.plainText.contains(text) ?? false) { return nil }
            script.removeFirst()
            if case .resized(let size) = step.event { currentSize = size }
            return step.event
        }
        if event == nil { sleepThread(for: min(timeout, .milliseconds(5))) }
        return event
    }

    public func draw(_ frame: CellBuffer) {
        locked {
            let runs = frame.changes(since: shown)
            lastRedraw = runs
            totalCells += runs.reduce(0) { $0 + DisplayWidth.of($1.text) }
            shown = frame
            drawnFrames += 1
        }
    }

    public func restore() { locked { wasRestored = true } }
}
