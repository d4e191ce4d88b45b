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
                      Observers.self, Archive.self, Demo.self, BrokerSimulatorCommand.self, BenchSQL.self]
    )
    /// argument-parser's own `main`, but an engine error's remedy is said in the command line's
    /// words (`CommandLineAdvice`): which flag to pass, not what to give.
    static func main() async {
        do {
            // Copied before the secrets among them are masked for `ps`.
            let arguments = Array(CommandLine.arguments.dropFirst())
            CommandLineSecrets.hide()
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as any RemedyCarrying where error.remedy != nil {
            exit(withError: CommandFailure(CommandLineAdvice.describe(error)))
        } catch {
            exit(withError: error)
        }
    }
}
