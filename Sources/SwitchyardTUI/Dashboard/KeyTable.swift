/// What a key asks for. `handleKey` carries it out; the help screen and the hint line describe
/// it from the same `KeyBinding`, so a key is written once.
public enum KeyCommand: Equatable, Sendable {
    /// q: back one view; quits from the dashboard.
    case back
    /// Esc: cancels what is waiting, else clears the marks, else back.
    case escape
    case help
    /// A number key: go to a view (the dashboard clears the way back).
    case show(DashboardView)
    case move(Movement)
    case nextPanel, previousPanel
    /// Enter: open the selected task, or the view behind the focused panel.
    case open
    case editFilter
    case mark
    case refresh(faster: Bool)
    /// A key that changes the database: disabled in observer mode.
    case change(ChangeCommand)
    /// Open the message on screen in full (else the last error): what happened, the server's
    /// detail, what to do.
    case showMessage
    /// y and n in a dialog; outside one they do nothing.
    case confirm, cancel

    public enum Movement: Equatable, Sendable {
        case up, down, pageUp, pageDown, first, last
    }
}

/// The keys that change the database.
public enum ChangeCommand: Equatable, Sendable, CaseIterable {
    case retry, deadLetter, hold, pause, retryAll
    /// In the schedules view, on the selected schedule.
    case pauseSchedule, runScheduleNow, removeSchedule

    /// Names the change in "Read-only mode: retry (r) is disabled".
    var name: String {
        switch self {
        case .retry: "retry"
        case .deadLetter: "dead-letter"
        case .hold: "hold/resume"
        case .pause: "pause/resume routers"
        case .retryAll: "retry all failed"
        case .pauseSchedule: "pause/resume schedule"
        case .runScheduleNow: "run schedule now"
        case .removeSchedule: "remove schedule"
        }
    }

    /// True for the changes that act on the selected or marked tasks.
    var actsOnSelectedTasks: Bool { self == .retry || self == .deadLetter || self == .hold }

    /// True for the changes that act on the schedule selected in the schedules view.
    var actsOnSchedule: Bool { self == .pauseSchedule || self == .runScheduleNow || self == .removeSchedule }
}

/// Where the help screen lists a key.
enum KeySection: Equatable, Sendable, CaseIterable {
    case moving, changes

    func heading(readOnly: Bool) -> String {
        switch self {
        case .moving: "Moving around"
        case .changes: "Changes: each asks to confirm, then says what it did"
            + (readOnly ? " (disabled: read-only mode)" : "")
        }
    }
}

/// What the hint line knows when it picks its words.
struct HintContext: Sendable {
    var view: DashboardView
    /// Tasks are marked: Esc clears them before it goes back.
    var marks: Bool
}

/// One row of the key table: the keys, what help says, what the hint line says, what they do.
struct KeyBinding: Sendable {
    var keys: [Key]
    /// How help and the hint line write the keys: "j k", "PgUp PgDn".
    var label: String
    var section: KeySection
    /// The help screen's line.
    var help: String
    /// The hint line's word in a context, nil where the hint line leaves the key out.
    var hint: @Sendable (HintContext) -> String?
    var command: KeyCommand

    init(_ keys: [Key], _ label: String, _ section: KeySection = .moving, help: String,
         hint: @escaping @Sendable (HintContext) -> String? = { _ in nil }, command: KeyCommand) {
        self.keys = keys
        self.label = label
        self.section = section
        self.help = help
        self.hint = hint
        self.command = command
    }

    /// A number key that opens `view`: adding a view's number key is one of these in `KeyTable.bindings`.
    static func view(_ number: Character, _ view: DashboardView, _ name: String) -> KeyBinding {
        KeyBinding([.character(number)], String(number), help: name, command: .show(view))
    }

    /// The word on the hint line of the views that pass `views`.
    static func when(_ views: @escaping @Sendable (DashboardView) -> Bool, _ word: String)
        -> @Sendable (HintContext) -> String? {
        { context in views(context.view) ? word : nil }
    }
    /// The word on the hint line of one view only.
    static func inView(_ only: DashboardView, _ word: String) -> @Sendable (HintContext) -> String? {
        when({ $0 == only }, word)
    }
    /// The word on the hint line of the views that list or show tasks.
    static func whereTasks(_ word: String) -> @Sendable (HintContext) -> String? { when(\.showsTasks, word) }
}

/// Every key of the dashboard, in the order help lists them. Key handling, the hint line, the
/// help screen and the read-only notices read this table and nothing else.
///
/// A view's number key is one entry, `.view("4", .accounts, "accounts")`, after the others; the
/// view itself is a `DashboardView` case, and the compiler then lists the switches that must say
/// how it loads, moves and draws. `KeyTableTests` checks that no key is bound twice, that each
/// number key opens its view, and that docs/operations.md lists every key.
enum KeyTable {
    static let bindings: [KeyBinding] = [
        KeyBinding([.character("q")], "q", help: "back; quit from the dashboard",
                   hint: KeyBinding.inView(.dashboard, "quit"), command: .back),
        KeyBinding([.escape], "Esc", help: "cancels a dialog; else clears the marks; else back",
                   hint: { $0.marks ? "unmark" : ($0.view == .dashboard ? nil : "back") }, command: .escape),
        KeyBinding([.character("?")], "?", help: "this help", hint: KeyBinding.when({ $0 != .help }, "help"),
                   command: .help),
        .view("1", .dashboard, "dashboard"),
        .view("2", .taskList, "task list"),
        .view("3", .routers, "routers"),
        .view("4", .accounts, "accounts"),
        .view("5", .alerts, "alerts"),
        .view("6", .schedules, "schedules"),
        KeyBinding([.tab], "Tab", help: "next panel (" + DashboardPanel.allCases.map(\.title).joined(separator: ", ") + ")",
                   hint: KeyBinding.inView(.dashboard, "panel"), command: .nextPanel),
        KeyBinding([.backTab], "Shift-Tab", help: "previous panel", command: .previousPanel),
        KeyBinding([.character("j"), .down], "j k", help: "down, up (arrows too)",
                   hint: KeyBinding.when(\.scrolls, "scroll"), command: .move(.down)),
        KeyBinding([.character("k"), .up], "", help: "", command: .move(.up)),
        KeyBinding([.character("g"), .home], "g G", help: "first, last (Home, End)", command: .move(.first)),
        KeyBinding([.character("G"), .end], "", help: "", command: .move(.last)),
        KeyBinding([.pageUp], "PgUp PgDn", help: "a page up or down", command: .move(.pageUp)),
        KeyBinding([.pageDown], "", help: "", command: .move(.pageDown)),
        KeyBinding([.enter], "Enter", help: "open the selected task, or the selected account",
                   hint: KeyBinding.when({ $0 == .dashboard || $0 == .taskList || $0 == .accounts }, "open"),
                   command: .open),
        KeyBinding([.character("/")], "/", help: "filter the task list: status, entry/exit, trade id",
                   hint: KeyBinding.when({ $0 == .dashboard || $0 == .taskList }, "filter"), command: .editFilter),
        KeyBinding([.character(" ")], "Space", help: "mark the task under the cursor (r, d, h then act on the marked)",
                   hint: KeyBinding.when({ $0 == .dashboard || $0 == .taskList }, "mark"), command: .mark),
        KeyBinding([.character("+"), .character("=")], "+ -", help: "refresh less or more often (250 ms at least)",
                   command: .refresh(faster: false)),
        KeyBinding([.character("-"), .character("_")], "", help: "", command: .refresh(faster: true)),
        KeyBinding([.character("e")], "e", help: "the message on screen in full, else the last error",
                   command: .showMessage),
        KeyBinding([.character("r")], "r", .changes, help: "retry the marked tasks, else the selected one",
                   hint: KeyBinding.whereTasks("retry"), command: .change(.retry)),
        KeyBinding([.character("d")], "d", .changes, help: "dead-letter them (asks a reason)",
                   hint: KeyBinding.whereTasks("dead"), command: .change(.deadLetter)),
        KeyBinding([.character("h")], "h", .changes, help: "hold them, or resume them when all are held",
                   hint: KeyBinding.whereTasks("hold"), command: .change(.hold)),
        KeyBinding([.character("P")], "P", .changes, help: "pause or resume every router, or ENTRY or EXIT tasks",
                   hint: KeyBinding.when({ $0 != .help }, "pause"), command: .change(.pause)),
        KeyBinding([.character("R")], "R", .changes, help: "retry every FAILED task the task filter matches",
                   hint: KeyBinding.whereTasks("retry all"), command: .change(.retryAll)),
        KeyBinding([.character("p")], "p", .changes, help: "schedules view: pause or resume the selected schedule",
                   hint: KeyBinding.inView(.schedules, "pause/resume"), command: .change(.pauseSchedule)),
        KeyBinding([.character("t")], "t", .changes, help: "schedules view: run the selected schedule now",
                   hint: KeyBinding.inView(.schedules, "run now"), command: .change(.runScheduleNow)),
        KeyBinding([.character("X")], "X", .changes, help: "schedules view: remove the selected schedule (history stays)",
                   hint: KeyBinding.inView(.schedules, "remove"), command: .change(.removeSchedule)),
        KeyBinding([.character("y"), .character("Y")], "y n", .changes, help: "confirm or cancel", command: .confirm),
        KeyBinding([.character("n"), .character("N")], "", help: "", command: .cancel),
    ]

    /// The command each key runs.
    static let commands: [Key: KeyCommand] = {
        var table: [Key: KeyCommand] = [:]
        for binding in bindings {
            for key in binding.keys {
                precondition(table[key] == nil, "\(key) is bound twice in KeyTable")
                table[key] = binding.command
            }
        }
        return table
    }()

    static func command(for key: Key) -> KeyCommand? { commands[key] }

    /// The first key that runs `command` ("r"), for messages that name the key.
    static func key(of command: KeyCommand) -> String {
        bindings.first { $0.command == command }?.keys.first?.name ?? "?"
    }

    /// Help lines: (keys, meaning); an empty key is a heading. A row with an empty label adds its
    /// keys to the row above it ("j k" is one line); number keys share one line.
    static func helpLines(readOnly: Bool) -> [(key: String, text: String)] {
        var lines: [(key: String, text: String)] = []
        for section in KeySection.allCases {
            lines.append(("", section.heading(readOnly: readOnly)))
            var views: [KeyBinding] = []
            for binding in bindings where binding.section == section && !binding.label.isEmpty {
                if case .show = binding.command {
                    views.append(binding)
                    continue
                }
                if !views.isEmpty {
                    lines.append((views.map(\.label).joined(separator: " "), views.map(\.help).joined(separator: ", ")))
                    views = []
                }
                lines.append((binding.label, binding.help))
            }
        }
        return lines
    }

    /// What a hint is for the hint line: read-only mode leaves out the marking key (marks are
    /// only for the change keys) and says in one notice that the change keys are disabled.
    enum HintKind: Equatable, Sendable { case plain, marking, change }

    /// The hint line's items for `view`: ("r", "retry"), in table order.
    static func hints(for view: DashboardView, marks: Bool = false) -> [(key: String, word: String, kind: HintKind)] {
        let context = HintContext(view: view, marks: marks)
        return bindings.compactMap { binding in
            guard let word = binding.hint(context) else { return nil }
            let kind: HintKind = switch binding.command {
            case .change: .change
            case .mark: .marking
            default: .plain
            }
            return (binding.label, word, kind)
        }
    }

    /// The hint line for `view`, at most `width` columns. When the words do not fit, the change
    /// keys fold into "r d h P R act" (or the read-only notice), then the other hints give way
    /// from the end.
    static func hintLine(for view: DashboardView, readOnly: Bool, marks: Bool = false, width: Int) -> String {
        let items = hints(for: view, marks: marks)
        var plain = items.filter { $0.kind == .plain || ($0.kind == .marking && !readOnly) }.map { "\($0.key) \($0.word)" }
        let changes = items.filter { $0.kind == .change }
        var (full, folded): (String?, String?) = (nil, nil)
        if readOnly && items.contains(where: { $0.kind != .plain }) {
            (full, folded) = ("read-only: changes disabled", "(read-only)")
        } else if !readOnly && !changes.isEmpty {
            (full, folded) = (changes.map { "\($0.key) \($0.word)" }.joined(separator: "  "),
                              changes.map(\.key).joined(separator: " ") + " act")
        }
        func line(_ tail: String?) -> String { (plain + [tail].compactMap { $0 }).joined(separator: "  ") }
        if DisplayWidth.of(line(full)) <= width { return line(full) }
        while DisplayWidth.of(line(folded)) > width && plain.count > 1 { plain.removeLast() }
        return line(folded)
    }
}

extension DashboardView {
    /// Views whose text j and k scroll rather than select.
    var scrolls: Bool {
        switch self {
        case .taskDetail, .accountDetail, .help: true
        case .dashboard, .taskList, .routers, .accounts, .alerts, .schedules: false
        }
    }

    /// Views that list or show tasks, where r, d and h have something to act on.
    var showsTasks: Bool {
        switch self {
        case .dashboard, .taskList, .taskDetail: true
        case .routers, .accounts, .accountDetail, .alerts, .schedules, .help: false
        }
    }
}

extension DashboardPanel {
    /// The panel's name in help ("next panel (failed tasks, logs, routers)").
    var title: String {
        switch self {
        case .failedTasks: "failed tasks"
        case .recentLogs: "logs"
        case .accounts: "accounts"
        }
    }
}
