import Foundation
import Testing
@testable import SwitchyardEngine

/// `--event-type` and `--status` take known values only: a typo is a usage error naming the
/// valid values, not a filter that silently matches nothing.
struct TaskFilterArgumentsTests {
    /// No database is needed: arguments are checked before connecting.
    static let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") && $0.key != "DATABASE_URL" }

    @Test(arguments: [["tasks", "list"], ["stats"], ["tasks", "pause-router"]])
    func anUnknownEventTypeIsRefusedWithTheValidValues(command: [String]) throws {
        let output = try Executable.run(command + ["--event-type", "foo"], environment: Self.environment)
        #expect(output.status != 0)
        #expect(output.stderr.contains("The value 'foo' is invalid for '--event-type"), "\(output.stderr)")
        #expect(output.stderr.contains("'ENTRY' and 'EXIT'"), "\(output.stderr)")
    }

    /// The refused value comes back on stderr: 100 kB, more than a pipe holds, so this also
    /// checks that `Executable.run` reads stderr while stdout is still open.
    @Test func aHugeRefusedValueComesBackWhole() throws {
        let value = String(repeating: "x", count: 100_000)
        let output = try Executable.run(["tasks", "list", "--event-type", value], environment: Self.environment)
        #expect(output.status != 0)
        #expect(output.stderr.contains(value))
    }

    @Test func anUnknownStatusInTheListIsRefusedWithTheValidValues() throws {
        let output = try Executable.run(["tasks", "list", "--status", "FAILED,bogus"], environment: Self.environment)
        #expect(output.status != 0)
        #expect(output.stderr.contains("'FAILED,bogus' is invalid"), "\(output.stderr)")
        #expect(TaskStatus.known.allSatisfy { output.stderr.contains("- \($0.rawValue)") }, "\(output.stderr)")
    }
}

@Suite(.database) struct TaskFilterArgumentsDatabaseTests {
    @Test func knownValuesAreAcceptedInAnyCase() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let id = try TaskQueue(connection: connection).enqueue(try NewTask(tradeID: "ARG-1", eventType: .entry,
                                                                           payloadJSON: TaskQueueTests.entryJSON))
        try connection.execute("UPDATE execution_tasks SET status = 'FAILED' WHERE id = \(id)")
        let output = try Executable.run(["tasks", "list", "--event-type", "entry", "--status", "failed, dead"],
                                        environment: schema.processEnvironment)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("ARG-1"), "\(output.stdout)")
    }
}
