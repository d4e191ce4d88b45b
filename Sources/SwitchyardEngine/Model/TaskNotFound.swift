/// A task id that is not in the database (never created, or another database).
public struct TaskNotFound: Error, Sendable, Equatable, CustomStringConvertible {
    public var id: TaskID
    /// The next step, appended to the message ("`switchyard tasks list` shows the ids."); nil for none.
    public var hint: String?
    public init(_ id: TaskID, hint: String? = nil) { (self.id, self.hint) = (id, hint) }
    public var message: String { "Task \(id) does not exist." }
    public var description: String { hint.map { "\(message) \($0)" } ?? message }
}
