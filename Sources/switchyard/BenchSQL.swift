import ArgumentParser
import SwitchyardEngine

extension Switchyard {
    /// `switchyard bench-sql engine|minimal`: the pgbench scripts `make bench-router` runs,
    /// printed from the router's own statements (hidden: a tool for the benchmark).
    struct BenchSQL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-sql",
            abstract: "Print a pgbench script made from the router's own SQL (for make bench-router).",
            shouldDisplay: false)

        enum Script: String, ExpressibleByArgument, CaseIterable {
            /// The engine's claim and completion, one batch per transaction (`pgbench -M extended`).
            case engine
            /// One statement that claims, finishes and audits a batch: the schema's ceiling.
            case minimal
        }

        @Argument(help: "engine or minimal.")
        var script: Script

        @Option(help: "Tasks per batch.")
        var batch = 200

        @Option(help: "Accounts accepting each task (audit rows per task), for the engine script.")
        var accounts = 1

        func validate() throws {
            guard batch >= 1, accounts >= 1 else { throw ValidationError("--batch and --accounts must be 1 or more.") }
        }

        func run() throws {
            switch script {
            case .engine: print(try RouterBenchmarkSQL.engineScript(batch: batch, accounts: accounts), terminator: "")
            case .minimal: print(RouterBenchmarkSQL.minimalScript(batch: batch), terminator: "")
            }
        }
    }
}
