import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

extension Switchyard {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply, revert or list schema migrations.",
            discussion: """
                Migration 1 adopts tables the seed system created, rows and all. Each migration runs \
                in its own transaction under an advisory lock, so running migrate twice, or from two \
                machines at once, is safe.
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
                let applied = try Migrator().up(on: connection, actor: OperatorIdentity.current())
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
                    let applied = status.appliedAt.map { "\(timeText($0)) by \(status.appliedBy ?? "?")" } ?? "pending"
                    let note = status.checksumMatches ? "" : "  (checksum differs from this build)"
                    let version = String(status.version)
                    let name = status.name.count > 28 ? String(status.name.prefix(28))
                        : status.name + String(repeating: " ", count: 28 - status.name.count)
                    print(String(repeating: " ", count: max(0, 7 - version.count)) + version + "  " + name + "  " + applied + note)
                }
            }
        }
    }
}
