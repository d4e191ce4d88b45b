import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

extension Switchyard {
    struct Observers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-account observers: roles that see only their accounts' tasks and audit rows.",
            discussion: """
                An observer is an existing login role (CREATE ROLE name LOGIN PASSWORD '...') that \
                may only SELECT; PostgreSQL's row-level security shows it the tasks routed to its \
                accounts (those with an attempt for one of them), those accounts' audit rows and \
                figures, and the routers. It watches with `switchyard monitor --read-only` or \
                `stats --read-only`. Every grant and revoke is recorded in switchyard_control_log. \
                See docs/operations.md.
                """,
            subcommands: [Grant.self, Revoke.self, List.self])

        struct Grant: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Let a role watch some accounts (added to those it already watches).")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The login role.")
            var role: String
            @Option(help: ArgumentHelp("The accounts it may see, comma-separated.", valueName: "A,B"))
            var accounts: String

            func validate() throws {
                guard !Observers.names(accounts).isEmpty else { throw ValidationError("--accounts takes account names, e.g. --accounts ES-1,ES-2.") }
            }

            func run() throws {
                try Observers.reportingErrors {
                    try AccountObservers(connection: database.connect())
                        .grant(role: role, accounts: Observers.names(accounts), actor: OperatorIdentity.current())
                    print("\(role) now observes \(Observers.names(accounts).joined(separator: ", ")) (SELECT only, its accounts' rows only).")
                }
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Take accounts from an observer; without --accounts, all of them and its SELECT on the queue's tables.",
                usage: "switchyard observers revoke [<options>] <role>")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The login role.")
            var role: String
            @Option(help: ArgumentHelp("Only these accounts, comma-separated.", valueName: "A,B"))
            var accounts: String?

            func run() throws {
                try Observers.reportingErrors {
                    let taken = try AccountObservers(connection: database.connect())
                        .revoke(role: role, accounts: accounts.map(Observers.names), actor: OperatorIdentity.current())
                    print("\(role) no longer observes \(taken.joined(separator: ", ")).")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every observer role and its accounts.")
            @OptionGroup var database: DatabaseOptions

            func run() throws {
                try Observers.reportingErrors {
                    let grants = try AccountObservers(connection: database.connect(readOnly: true)).list()
                    guard !grants.isEmpty else {
                        print("No per-account observers. Grant one with `switchyard observers grant ROLE --accounts A,B`.")
                        return
                    }
                    print(StatsText.table([["ROLE", "ACCOUNTS", "GRANTED", "BY"]] + grants.map { grant in
                        [grant.role + (grant.roleExists ? "" : " (role dropped)"), grant.accounts.joined(separator: ","),
                         timeText(grant.grantedAt), grant.grantedBy]
                    }), terminator: "")
                }
            }
        }

        static func names(_ list: String) -> [String] {
            list.split(separator: ",").map { $0.trimmed }.filter { !$0.isEmpty }
        }

        /// Observer and database failures: one message with its advice, exit 1.
        static func reportingErrors(_ body: () throws -> Void) throws {
            try reportingFailures({ $0 is ObserverError || $0 is DatabaseError }, body)
        }
    }
}
