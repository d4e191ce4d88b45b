import ArgumentParser
import SwitchyardEngine

// Event types and statuses as option values: a typo is an error that lists the valid values
// (instead of a filter that silently matches nothing), and shells complete them.

extension EventType: ExpressibleByArgument {
    /// ENTRY or EXIT, in any case. Other kinds exist only in old data, not on the command line.
    public init?(argument: String) {
        let type = EventType(rawValue: argument.uppercased())
        guard type == .entry || type == .exit else { return nil }
        self = type
    }
    public static var allValueStrings: [String] { [EventType.entry, .exit].map(\.rawValue) }
    public static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}

extension TaskStatus: ExpressibleByArgument {
    /// One of `TaskStatus.known`, in any case.
    public init?(argument: String) {
        let status = TaskStatus(rawValue: argument.uppercased())
        guard TaskStatus.known.contains(status) else { return nil }
        self = status
    }
    public static var allValueStrings: [String] { TaskStatus.known.map(\.rawValue) }
    public static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}

/// Comma-separated statuses, `--status FAILED,dead`: each must be a known one.
struct TaskStatusList: ExpressibleByArgument {
    var statuses: [TaskStatus]
    init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0.trimmed }
        let statuses = parts.compactMap(TaskStatus.init(argument:))
        guard !statuses.isEmpty, statuses.count == parts.count else { return nil }
        self.statuses = statuses
    }
    static var allValueStrings: [String] { TaskStatus.allValueStrings }
    static var defaultCompletionKind: CompletionKind { TaskStatus.defaultCompletionKind }
}

extension TaskID {
    /// The one place the command line reads a task id: `279` or `#279` (as the dashboard writes
    /// it). Junk is a usage error that says the accepted forms.
    static func argument(_ text: String) throws -> TaskID {
        guard let id = TaskID(text: text.trimmed) else {
            throw ValidationError("a task id is a number, such as 279 or #279; `switchyard tasks list` shows them.")
        }
        return id
    }
}
