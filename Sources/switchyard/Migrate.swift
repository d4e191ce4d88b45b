import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

extension Switchyard {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply, revert or list schema migrations.",
            discussion: """
                Migration 1 adopts tables the seed system created, rows and all. Migrations run under \
                an advisory lock, so running migrate twice, or from two machines at once, is safe. They \
                run online, beside live writers: indexes are built concurrently, a step that waits for \
                a lock gives up after a moment and tries again, and existing rows are counted in small \
                batches whose progress is kept in the database, so a stopped run continues where it \
                stopped. Progress is printed on stderr.
                """,
            subcommands: [Up.self, Down.self, Status.self],
            defaultSubcommand: Up.self
        )

        struct Up: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Apply every pending migration (the default).")
            @OptionGroup var database: DatabaseOptions

            func run() throws {
                // A migration on a large table may run for minutes: no answer deadline.
                let connection = try database.connect(answerDeadline: nil)
                let applied = try Migrator().up(on: connection, actor: OperatorIdentity.current()) { event in
                    writeToStandardError(Migrate.text(event) + "\n")
                }
                let version = try Migrator().currentVersion(on: connection)
                if applied.isEmpty {
                    print("Schema is up to date at version \(version).")
                } else {
                    print("Applied \(applied.map(String.init).joined(separator: ", ")); schema is at version \(version).")
                }
            }
        }

        struct Down: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Revert migrations above a version.",
                discussion: """
                    Reverting drops the columns and tables those migrations added, with their data; \
                    the seed system's own tables are never dropped. Pass --yes to confirm.
                    """)
            @OptionGroup var database: DatabaseOptions
            @Option(help: "The version to go back to (0 forgets every Switchyard change but keeps the seed tables).")
            var to: Int
            @Flag(help: "Confirm that the added columns and tables, with their data, may be dropped.")
            var yes = false

            func validate() throws {
                guard to >= 0 else { throw ValidationError("--to takes a version of 0 or more.") }
                guard yes else {
                    throw ValidationError("Reverting drops columns and tables with their data. Add --yes to confirm.")
                }
            }

            func run() throws {
                // A migration on a large table may run for minutes: no answer deadline.
                let connection = try database.connect(answerDeadline: nil)
                let reverted = try Migrator().down(to: to, on: connection)
                print(reverted.isEmpty ? "Nothing to revert; schema is at version \(try Migrator().currentVersion(on: connection))."
                      : "Reverted \(reverted.map(String.init).joined(separator: ", ")); schema is at version \(to).")
            }
        }

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List migrations and whether each is applied.")
            @OptionGroup var database: DatabaseOptions

            func run() throws {
                let connection = try database.connect(readOnly: true)
                let statuses = try Migrator().status(on: connection)
                print("VERSION  NAME                          APPLIED")
                for status in statuses {
                    let applied = status.appliedAt.map { "\(timeText($0)) by \(status.appliedBy ?? "?")" }
                        ?? status.inProgress.map(Migrate.text) ?? "pending"
                    let note = !status.checksumMatches ? "  (checksum differs from this build)"
                        : status.appliedFromEarlierText ? "  (from the text before it ran online; same schema)" : ""
                    let version = String(status.version)
                    let name = status.name.count > 28 ? String(status.name.prefix(28))
                        : status.name + String(repeating: " ", count: 28 - status.name.count)
                    print(String(repeating: " ", count: max(0, 7 - version.count)) + version + "  " + name + "  " + applied + note)
                }
            }
        }
    }
}

extension Switchyard.Migrate {
    /// One progress line of `migrate up`.
    static func text(_ event: MigrationEvent) -> String {
        switch event {
        case .migrating(let version, let name, let resumed):
            return "Migration \(version) (\(name))" + (resumed ? ": continuing where an earlier run stopped." : "...")
        case .lockTimedOut(let version, let step, let waited, let retryIn, let attempt, let attempts):
            return "Migration \(version), step \(step): no lock within \(TimeSpan.format(waited, .brief)) (another transaction "
                + "holds the table); rolled back, trying again in \(TimeSpan.format(retryIn, .brief)) (try \(attempt + 1) of \(attempts))."
        case .rebuildingInvalidIndex(let version, let index):
            return "Migration \(version): index \(index) was left invalid by an interrupted build; dropping it to build it again."
        case .backfill(let version, let progress):
            return "Migration \(version), backfill \(progress.label): " + text(progress)
        case .applied(let version):
            return "Migration \(version) applied."
        }
    }

    /// "41% of execution_logs (1200000 of 3000000 ids), 5120 rows written", or "done" with the count.
    static func text(_ progress: BackfillProgress) -> String {
        progress.finished ? "done, \(progress.rowsWritten) rows written."
            : "\(progress.percent)% of \(progress.table) (\(progress.doneKeys) of \(progress.totalKeys) ids), "
                + "\(progress.rowsWritten) rows written"
    }

    /// The APPLIED column of a migration that started and did not finish.
    static func text(_ progress: MigrationInProgress) -> String {
        var text = "IN PROGRESS, step \(progress.stepsDone + 1) of \(progress.stepCount)"
        if let backfill = progress.backfill { text += ": backfill \(backfill.label), " + Self.text(backfill) }
        if progress.startedFromOtherText {
            return text + " (started from a different file than this build's: finish or revert it with the build that started it)"
        }
        return text + (progress.running ? " (migrate is running)" : " (stopped: run migrate up to continue)")
    }
}
