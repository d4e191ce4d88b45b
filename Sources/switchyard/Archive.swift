import ArgumentParser
import FoundationEssentials
import Glibc
import SwitchyardEngine

extension Switchyard {
    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move finished work out of the hot tables into monthly files, and check or load them back.",
            discussion: """
                The one supported way rows leave execution_tasks and execution_logs. See \
                docs/operations.md, "Archive".
                """,
            subcommands: [Run.self, Verify.self, Restore.self],
            defaultSubcommand: Run.self)

        struct Run: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Archive finished trades older than a cutoff, one gzip file of JSON lines per month.",
                usage: "switchyard archive [run] --older-than <duration> --to <dir> [<options>]",
                discussion: """
                    A task leaves only when every task of its trade is finished (SUCCESS, FAILED or \
                    DEAD) since before the cutoff, on the database's clock, and the trade holds no \
                    open position. Each month's file and its manifest.json entry (rows and SHA-256) \
                    are synced to disk before any of its rows is deleted, in batches, by the one \
                    audited path; the ledger (switchyard_archive_ledger) records who, when, counts \
                    and hash. A killed run loses nothing: run it again to finish. Asks before \
                    moving anything unless --yes; exit 1 when it cannot ask (no terminal).
                    """)

            @OptionGroup var database: DatabaseOptions
            @Option(help: ArgumentHelp("Archive trades finished longer ago than this (400d, 13w...).", valueName: "duration"),
                    transform: TimeSpan.argument)
            var olderThan: TimeSpan
            @Option(name: .customLong("to"), help: ArgumentHelp("The archive folder (created if missing); manifest.json lives there.",
                                                                valueName: "dir"))
            var folder: String
            @Flag(help: "Say what would move, and change nothing.")
            var dryRun = false
            @Flag(help: "Archive without asking (for scripts).")
            var yes = false
            @Option(help: ArgumentHelp("Tasks deleted per transaction, with their audit rows.", valueName: "n"))
            var batchSize = Archiver.Config.defaultBatchSize
            /// Stop this process with SIGKILL at a checkpoint (tests prove a rerun finishes the job).
            @Option(help: .hidden)
            var killAt: String?

            func validate() throws {
                guard olderThan.duration > .zero else { throw ValidationError("--older-than takes a positive duration, e.g. 400d.") }
                guard batchSize >= 1 else { throw ValidationError("--batch-size takes a count, 1 or more.") }
                if let killAt, Archiver.Checkpoint(rawValue: killAt) == nil {
                    throw ValidationError("--kill-at takes one of \(Archiver.Checkpoint.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
            }

            func run() throws {
                try reportingFailures {
                    let settings = try database.settings(answerDeadline: nil)
                    let connection = try PGConnection(settings: settings)
                    let folder = try Archive.preparedFolder(self.folder, create: !dryRun)
                    var config = Archiver.Config(olderThan: olderThan, folder: folder, actor: OperatorIdentity.current(),
                                                 databaseLabel: settings.displayName())
                    config.batchSize = batchSize
                    let killAt = killAt.flatMap(Archiver.Checkpoint.init(rawValue:))
                    let archiver = Archiver(connection: connection, config: config,
                                            checkpoint: { if $0 == killAt { kill(getpid(), SIGKILL) } },
                                            report: { print(Archive.describe($0)) })
                    let plan = try archiver.plan()
                    print(Archive.describe(plan, folder: folder))
                    guard !dryRun, !plan.isEmpty else { return }
                    guard try yes || Archive.confirm("Archive to \(folder) and delete these rows from the database?") else {
                        print("Nothing archived.")
                        return
                    }
                    let started = ContinuousClock.now
                    let summary = try archiver.run(plan)
                    let took = ContinuousClock.now - started
                    let rows = summary.tasks + summary.logs
                    let rate = took > .zero ? Int((Double(rows) / took.seconds).rounded()) : rows
                    print("Archived \(summary.tasks) tasks and \(summary.logs) audit rows (\(summary.months) month\(summary.months == 1 ? "" : "s")) in \(TimeSpan.format(took, .brief)): \(rate) rows/s.")
                }
            }
        }

        struct Verify: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Read every file of an archive folder again and check it against manifest.json.",
                discussion: """
                    Checks each file's SHA-256, size, tasks and audit rows, and names archive files \
                    the manifest does not list. Needs no database. Exit status: 0 when every file \
                    matches; 2 when one is missing, changed or unlisted; 1 when the folder has no \
                    readable manifest.
                    """)
            @Argument(help: ArgumentHelp("The archive folder.", valueName: "dir"))
            var folder: String

            func run() throws {
                var bad = 0
                try reportingFailures {
                    let checks = try ArchiveVerifier.verify(folder: folder)
                    for check in checks {
                        if let problem = check.problem {
                            bad += 1
                            print("FAILED \(check.file): \(problem)")
                        } else if let entry = check.entry {
                            print("ok     \(check.file): \(entry.tasks) tasks, \(entry.logs) audit rows, sha256 \(entry.sha256.prefix(16))…"
                                  + (entry.supersededBy.map { " (superseded by \($0))" } ?? ""))
                        }
                    }
                    print(bad == 0 ? "All \(checks.count) files match the manifest." : "\(bad) of \(checks.count) files do not match the manifest.")
                }
                if bad > 0 { throw ExitStatus.tripped }
            }
        }

        struct Restore: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Load one archive file back, for an audit, into tables of a schema of its own.",
                usage: "switchyard archive restore [<options>] <file>",
                discussion: """
                    The file is checked against its folder's manifest first. Its rows are loaded \
                    exactly as they were (ids, timestamps, every column) into SCHEMA.execution_tasks \
                    and SCHEMA.execution_logs, never into the live tables, where the audit triggers \
                    would count them again and routers would see them. Query them there; drop the \
                    schema when the audit is done.
                    """)
            @OptionGroup var database: DatabaseOptions
            @Argument(help: ArgumentHelp("An archive file (execution-YYYY-MM.jsonl.gz).", valueName: "file"))
            var file: String
            @Option(help: ArgumentHelp("The schema to load into (default: archive_YYYY_MM).", valueName: "name"))
            var schema: String?

            func run() throws {
                try reportingFailures {
                    let schema = schema ?? ArchiveRestorer.defaultSchema(forFile: file)
                    let restored = try ArchiveRestorer(connection: database.connect(answerDeadline: nil))
                        .restore(path: file, schema: schema)
                    print("Restored \(restored.tasks) tasks and \(restored.logs) audit rows into \(restored.schema).execution_tasks and \(restored.schema).execution_logs.")
                }
            }
        }
    }
}

extension Switchyard.Archive {
    static func describe(_ plan: Archiver.Plan, folder: String) -> String {
        var lines: [String] = []
        for row in plan.inProgress {
            lines.append("\(row.month) (part \(row.part)): left \(row.state) by an earlier run; it is finished first.")
        }
        for month in plan.months {
            lines.append("\(month.month): \(month.tasks) tasks, \(month.logs) audit rows")
        }
        let tasks = plan.months.reduce(0) { $0 + $1.tasks }, logs = plan.months.reduce(0) { $0 + $1.logs }
        lines.append(plan.isEmpty
            ? "Nothing to archive: no trade finished before \(timeText(plan.cutoff)) that is not archived already."
            : "\(tasks) tasks and \(logs) audit rows of trades finished before \(timeText(plan.cutoff)) would move to \(folder).")
        return lines.joined(separator: "\n")
    }

    static func describe(_ event: Archiver.Event) -> String {
        switch event {
        case .resuming(let row):
            "\(row.month) (part \(row.part)): finishing what an earlier run left \(row.state)."
        case .written(let row, let path, let tasks, let logs, let bytes, let sha256):
            "\(row.month): wrote \(tasks) tasks and \(logs) audit rows to \(path) (\(bytes) bytes, sha256 \(sha256.prefix(16))…)."
        case .deleted(let row, let tasks, let batches):
            "\(row.month): removed \(tasks) tasks and their audit rows from the database in \(batches) batch\(batches == 1 ? "" : "es")."
        case .superseded(let old, let new):
            "\(old.month) (part \(old.part)): audit rows arrived for some of its tasks after its file was written; "
                + "part \(new.part) supersedes it and its file (\(new.fileName)) holds the part as it leaves, late rows included. "
                + "\(old.fileName) stays, marked superseded in the manifest."
        }
    }

    /// The folder as an absolute path, created when `create` (and missing).
    static func preparedFolder(_ folder: String, create: Bool) throws -> String {
        if create, mkdir(folder, 0o755) != 0, errno != EEXIST {
            throw CommandFailure("Could not create \(folder): \(String(cString: strerror(errno))).\nPass --to a folder you can write.")
        }
        guard let resolved = realpath(folder, nil) else {
            if !create { return folder }
            throw CommandFailure("Could not open \(folder): \(String(cString: strerror(errno))).\nPass --to a folder you can write.")
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Asks on the terminal; refuses when there is none (a script must pass --yes).
    static func confirm(_ question: String) throws -> Bool {
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandFailure("Not archiving: there is no terminal to ask on.\nPass --yes to archive without asking, or --dry-run to see what would move.")
        }
        print(question + " [y/N] ", terminator: "")
        fflush(nil)  // print buffers stdout; the question must show before the answer is read
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmed.lowercased())
    }
}

/// Archive, database and file failures: one message with its advice, exit 1.
private func reportingFailures(_ body: () throws -> Void) throws {
    try reportingFailures({ $0 is ArchiveError || $0 is DatabaseError }, body)
}
