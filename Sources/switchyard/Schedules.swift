import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

extension CatchUpPolicy: ExpressibleByArgument {}

extension Switchyard {
    struct Schedules: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Schedules that enqueue one task per run, for the whole cluster.",
            discussion: """
                Every router takes part; each run enqueues exactly one task, whose trade id is the \
                schedule's name and the run's time in UTC (NAME-20261130T155500Z), so \
                `switchyard tasks list --trade NAME` finds them. Every change is audited with who made it.
                """,
            subcommands: [Add.self, List.self, Show.self, Change.self, Pause.self, Resume.self, RunNow.self, Remove.self])

        /// `--every` or `--cron` with `--time-zone`.
        struct TimingOptions: ParsableArguments {
            @Option(help: ArgumentHelp("Run every DURATION (90s, 15m, 2h), at whole multiples of it since 1970 UTC.",
                                       valueName: "duration"), transform: TimeSpan.argument)
            var every: TimeSpan?
            @Option(help: ArgumentHelp("Run on a cron expression, \"M H DOM MON DOW\" (\"55 15 * * MON-FRI\"), in --time-zone.",
                                       valueName: "expression"))
            var cron: String?
            @Option(help: ArgumentHelp("The zone of --cron (default: this machine's, \(ZoneRules.localIdentifier)).",
                                       valueName: "zone"))
            var timeZone: String?

            func validate() throws {
                if every != nil, cron != nil { throw ValidationError("Give --every or --cron, not both.") }
                if timeZone != nil, cron == nil { throw ValidationError("--time-zone goes with --cron (--every runs in UTC).") }
                _ = try timing()
            }

            /// The timing given, nil when neither flag is.
            func timing() throws -> ScheduleTiming? {
                do {
                    if let every {
                        let timing = try ScheduleTiming.every(every)
                        return timing
                    }
                    if let cron { return try ScheduleTiming.cron(cron, timeZone: timeZone ?? ZoneRules.localIdentifier) }
                    return nil
                } catch let error as ScheduleError {
                    throw ValidationError("\(every != nil ? "--every" : cron != nil && (try? CronExpression(cron!)) != nil ? "--time-zone" : "--cron"): \(error.message)")
                }
            }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a schedule.",
                usage: "switchyard schedules add [<options>] <name>",
                discussion: """
                    switchyard schedules add close-es --cron "55 15 * * MON-FRI" \\
                      --time-zone America/New_York --event-type EXIT \\
                      --payload '{"kind":"EXIT","exit_type":"EOD","exit_price":4150}'
                    switchyard schedules add hourly-entry --every 1h --event-type ENTRY \\
                      --payload '{...}'

                    --catch-up decides what happens to runs that fell due while no router was alive: \
                    all (each is enqueued), latest (the most recent one is; the default), none.
                    """)
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The schedule's name: letters, digits, '.', '_' or '-' (at most 64).") var name: String
            @OptionGroup var timing: TimingOptions
            @OptionGroup var task: TaskOptions
            @Option(help: "Runs missed while no router was alive: all, latest or none.") var catchUp: CatchUpPolicy = .latest

            func validate() throws {
                do { try NewSchedule.checkName(name) } catch let error as ScheduleError { throw ValidationError(error.message) }
                guard timing.every != nil || timing.cron != nil else { throw ValidationError("Give --every DURATION or --cron \"M H DOM MON DOW\".") }
                guard let eventType = task.eventType, let payload = task.payload else {
                    throw ValidationError("Give --event-type and --payload: the task each run enqueues.")
                }
                try TaskOptions.check(payload: payload, eventType: eventType)
            }

            func run() throws {
                let schedule = NewSchedule(name: name, timing: try timing.timing()!, eventType: task.eventType!, payload: task.payload!,
                                           maxAttempts: task.maxAttempts, catchUp: catchUp)
                let added = try ScheduleBook(connection: database.connect()).add(schedule, actor: OperatorIdentity.current())
                print("Added schedule \(added.name) (\(added.timing), catch-up \(added.catchUp.rawValue)); first run \(timeText(added.nextRunAt)).")
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List schedules, next runs first, with their figures.")
            @OptionGroup var database: DatabaseOptions
            @Flag(help: "Include removed schedules.") var all = false

            func run() throws {
                let schedules = try ScheduleBook(connection: database.connect(readOnly: true)).list(includeRemoved: all)
                guard !schedules.isEmpty else { print("(no schedules; add one with `switchyard schedules add`)"); return }
                print(pad("NAME", 20) + " " + pad("STATE", 7) + " " + pad("NEXT RUN", 26) + " " + pad("LAST RUN", 26) + " "
                      + pad("OK", 6) + " " + pad("ERR", 5) + " " + pad("AVG", 8) + " TIMING")
                for schedule in schedules {
                    print(pad(schedule.name, 20) + " " + pad(schedule.state, 7) + " " + pad(Self.time(schedule.nextRunAt, schedule), 26) + " "
                          + pad(schedule.lastRunAt.map(timeText) ?? "-", 26) + " "
                          + pad(String(schedule.figures.successes), 6) + " " + pad(String(schedule.figures.errors), 5) + " "
                          + pad(averageText(schedule.figures), 8) + " " + schedule.timing.description)
                }
            }

            static func time(_ next: Date, _ schedule: Schedule) -> String {
                schedule.removedAt != nil || schedule.paused ? "-" : timeText(next)
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a schedule: figures, recent runs (missed ones too) and its audit trail.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The schedule's name.") var name: String

            func run() throws {
                let (schedule, runs, history) = try ScheduleBook(connection: database.connect(readOnly: true)).show(name)
                let figures = schedule.figures
                print("Schedule \(schedule.name): \(schedule.timing), \(schedule.state)")
                print("  task       \(schedule.eventType.rawValue), max attempts \(schedule.maxAttempts), payload \(schedule.payload)")
                print("  catch-up   \(schedule.catchUp.rawValue)")
                print("  next run   \(schedule.paused || schedule.removedAt != nil ? "- (\(schedule.state))" : timeText(schedule.nextRunAt))")
                print("  last run   \(schedule.lastRunAt.map(timeText) ?? "-")")
                print("  figures    \(figures.successes) succeeded, \(figures.errors) failed, \(figures.unfinished) unfinished, "
                      + "average execution \(averageText(figures)) (last \(ScheduleFigures.window) tasks); "
                      + "\(figures.missed) run(s) missed")
                print("  added      \(timeText(schedule.createdAt)) by \(schedule.createdBy)")
                print("  recent runs")
                if runs.isEmpty { print("    (none yet)") }
                for run in runs {
                    var line = "    \(timeText(run.runAt)) \(pad(run.outcome.rawValue, 8))"
                    if let task = run.taskID { line += " task \(task.rawValue)" + (run.taskStatus.map { " \($0.rawValue)" } ?? "") }
                    if let router = run.routerID { line += " by \(router)" }
                    print(line)
                }
                print("  history")
                for entry in history {
                    print("    \(timeText(entry.createdAt)) \(pad(entry.action, 8)) by \(entry.actor)" + (entry.detail.map { ": \($0)" } ?? ""))
                }
            }
        }

        struct Change: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Change a schedule's timing, task or catch-up policy; what is not given is kept.",
                usage: "switchyard schedules change [<options>] <name>")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The schedule's name.") var name: String
            @OptionGroup var timing: TimingOptions
            @OptionGroup var task: TaskOptions
            @Option(help: "Runs missed while no router was alive: all, latest or none.") var catchUp: CatchUpPolicy?

            func run() throws {
                let edit = ScheduleEdit(timing: try timing.timing(), eventType: task.eventType, payload: task.payload,
                                        maxAttempts: task.maxAttempts, catchUp: catchUp)
                let book = try ScheduleBook(connection: database.connect())
                if let payload = task.payload {
                    let eventType = try task.eventType ?? book.show(name).schedule.eventType
                    try TaskOptions.check(payload: payload, eventType: eventType)
                }
                let report = try book.change(name, .edit(edit), actor: OperatorIdentity.current())
                print("Schedule \(name): \(report.summary)")
            }
        }

        struct Pause: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Pause a schedule: nothing is enqueued until resumed, and runs meanwhile are not caught up.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The schedule's name.") var name: String
            func run() throws { try act(name, .pause, database: database) }
        }

        struct Resume: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Resume a paused schedule from its next run after now.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The schedule's name.") var name: String
            func run() throws { try act(name, .resume, database: database) }
        }

        struct RunNow: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "run-now", abstract: "Enqueue one run of a schedule now, besides its own runs.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The schedule's name.") var name: String
            func run() throws { try act(name, .runNow, database: database) }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove a schedule: it runs no more; its runs, tasks and history are kept.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The schedule's name.") var name: String
            func run() throws { try act(name, .remove, database: database) }
        }

        static func act(_ name: String, _ change: ScheduleBook.Change, database: DatabaseOptions) throws {
            let report = try ScheduleBook(connection: database.connect()).change(name, change, actor: OperatorIdentity.current())
            print("Schedule \(name): \(report.summary)")
        }
    }
}

/// "120ms", "1.5s", or "-" when nothing finished.
private func averageText(_ figures: ScheduleFigures) -> String {
    figures.averageExecutionMilliseconds.map { TimeSpan.format(seconds: $0 / 1000) } ?? "-"
}
