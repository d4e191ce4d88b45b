import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

extension Switchyard {
    struct Tasks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, inspect and act on tasks: the dashboard's operator actions, scriptable.",
            discussion: """
                Every change is guarded by the state it expects, recorded in the audit trail with \
                who did it ($USER@host, plus the SSH client's address), and deletes nothing. Acting \
                on one task in the wrong state is an error; with several, tasks in a state the action \
                does not take, and ENTRYs a retry refuses, are left alone and reported with the reason.
                """,
            subcommands: [List.self, Show.self, Retry.self, DeadLetter.self, Hold.self, Resume.self,
                          PauseRouter.self, ResumeRouter.self])

        /// Filter flags shared by `list` and `retry --failed`.
        struct FilterOptions: ParsableArguments {
            @Option(help: ArgumentHelp("Only tasks in these statuses, comma-separated (FAILED,DEAD).", valueName: "statuses"))
            var status: TaskStatusList?
            @Option(help: "Only ENTRY or EXIT tasks.")
            var eventType: EventType?
            @Option(help: ArgumentHelp("Only trades whose id contains this text (case-insensitive).", valueName: "text"))
            var trade: String?

            var filter: TaskFilter {
                TaskFilter(statuses: status?.statuses ?? [], eventType: eventType, tradeIDContains: trade)
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List tasks, newest first.", usage: "switchyard tasks list [<options>]")
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var filter: FilterOptions
            @Option(help: "Show at most this many.") var limit = 50

            func run() throws {
                let tasks = try MonitorQueries().listTasks(on: database.connect(readOnly: true), filter: filter.filter, limit: limit)
                print("ID        TRADE                 TYPE   STATUS    TRIES  LAST ERROR")
                for task in tasks {
                    print(pad(String(task.id.rawValue), 9) + " " + pad(task.tradeID, 21) + " " + pad(task.eventType.rawValue, 6) + " "
                          + pad(task.status.rawValue, 9) + " " + pad("\(task.attempts)/\(task.maxAttempts.map(String.init) ?? "-")", 6) + " "
                          + String((task.lastError ?? "").prefix(60)))
                }
                if tasks.isEmpty { print("(no tasks match)") }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one task: its payload and whole audit trail.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The task id (279 or #279).", transform: TaskID.argument) var id: TaskID

            func run() throws {
                guard let detail = try MonitorQueries().taskDetail(on: database.connect(readOnly: true), id: id) else {
                    throw TaskNotFound(id, hint: "`switchyard tasks list` shows the ids.")
                }
                let task = detail.summary
                print("Task \(id.rawValue): \(task.eventType.rawValue) for trade \(task.tradeID)")
                print("  status     \(task.status.rawValue), attempt \(task.attempts) of \(task.maxAttempts.map(String.init) ?? "-")")
                if let error = task.lastError { print("  last error \(error)") }
                if let reason = detail.deadLetterReason { print("  dead letter \(reason)") }
                if let lockedBy = detail.lockedBy { print("  leased by  \(lockedBy) until \(detail.lockedUntil.map(timeText) ?? "?")") }
                print("  payload")
                print((detail.prettyPayload ?? "(none)").split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
                print("  audit trail")
                for entry in detail.auditTrail {
                    var line = "    \(timeText(entry.createdAt)) \(pad(entry.event ?? "-", 15)) \(pad(entry.status, 8))"
                    if let account = entry.account { line += " \(account)" }
                    if let actor = entry.actor { line += " by \(actor)" }
                    if let message = entry.message { line += ": \(message)" }
                    print(line)
                }
            }
        }

        struct Retry: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Retry tasks: FAILED, DEAD, RETRYING or HELD back to PENDING, available now.",
                usage: "switchyard tasks retry [<options>] [<ids> ...]",
                discussion: """
                    Give task ids, or --failed with optional filters to retry every FAILED task that \
                    matches. An ENTRY whose trade's EXIT already ran is refused: a position must \
                    never open after its exit (a router refuses one put back any other way too).
                    """)
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "Task ids (279 or #279).", transform: TaskID.argument) var ids: [TaskID] = []
            @Flag(help: "Retry every task matching the filters (statuses default to FAILED).") var failed = false
            @OptionGroup var filter: FilterOptions

            func validate() throws {
                guard ids.isEmpty != !failed else { throw ValidationError("Give task ids, or --failed (with filters), not both.") }
            }

            func run() throws {
                try act(failed ? .retryMatching(filter.filter) : .retry(ids), database: database)
            }
        }

        struct DeadLetter: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "dead-letter",
                abstract: "Dead-letter tasks: any unfinished or FAILED task to DEAD, never retried by a router.",
                usage: "switchyard tasks dead-letter [<options>] <ids> ... --reason <reason>")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "Task ids (279 or #279).", transform: TaskID.argument) var ids: [TaskID]
            @Option(help: "Why (kept with the task and in the audit trail).") var reason: String

            func run() throws { try act(.deadLetter(ids, reason: reason), database: database) }
        }

        struct Hold: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Hold tasks: PENDING, RETRYING or FAILED to HELD; no router claims them until resumed.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "Task ids (279 or #279).", transform: TaskID.argument) var ids: [TaskID]
            func run() throws { try act(.hold(ids), database: database) }
        }

        struct Resume: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Resume held tasks: HELD back to the state each was held from (FAILED stays FAILED).")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "Task ids (279 or #279).", transform: TaskID.argument) var ids: [TaskID]
            func run() throws { try act(.resume(ids), database: database) }
        }

        struct PauseRouter: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "pause-router",
                abstract: "Pause every router (or one event type): nothing new is claimed; in-flight work finishes.",
                usage: "switchyard tasks pause-router [<options>]")
            @OptionGroup var database: DatabaseOptions
            @Option(help: "Pause only ENTRY or only EXIT tasks.") var eventType: EventType?
            @Option(help: "Why (kept in the control log).") var reason: String?
            func run() throws {
                try act(eventType.map { .pauseEventType($0, reason: reason) } ?? .pauseRouter(reason: reason),
                        database: database)
            }
        }

        struct ResumeRouter: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "resume-router", abstract: "Resume every router (or one paused event type).",
                usage: "switchyard tasks resume-router [<options>]")
            @OptionGroup var database: DatabaseOptions
            @Option(help: "Resume only ENTRY or only EXIT tasks.") var eventType: EventType?
            func run() throws {
                try act(eventType.map { .resumeEventType($0) } ?? .resumeRouter, database: database)
            }
        }
    }
}

/// Performs an operator action as the current user and prints what it did.
private func act(_ action: OperatorAction, database: DatabaseOptions) throws {
    let connection = try database.connect()
    // An ActionError ("Cannot retry task #1: it is SUCCESS; ...") or TaskNotFound prints as it is, exit status 1.
    let report = try OperatorActions(connection: connection).perform(action, actor: OperatorIdentity.current())
    print(report.summary)
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
