import ArgumentParser
import SwitchyardEngine

@main
struct Switchyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "Dashboard and router for the execution-task queue kept in PostgreSQL.",
        discussion: """
            Connection: --database-url, else DATABASE_URL, else libpq's PG* variables and ~/.pgpass.
            """,
        version: SwitchyardVersion.description,
        subcommands: [Monitor.self, Migrate.self, Stats.self, Router.self, Enqueue.self, Tasks.self, Schedules.self, Alerts.self,
                      Observers.self, Archive.self, Demo.self, BenchSQL.self]
    )
}
