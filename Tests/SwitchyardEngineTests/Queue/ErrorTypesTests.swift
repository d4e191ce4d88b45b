import Foundation
import Testing
@testable import SwitchyardEngine

/// Refused actions, unusable settings and missing tasks are three types, so callers can tell them apart.
struct ErrorTypesTests {
    @Test func aMissingTaskNamesItsIDAndTheHint() {
        #expect(TaskNotFound(TaskID(42)).description == "Task #42 does not exist.")
        let hinted = TaskNotFound(TaskID(42), hint: "`switchyard tasks list` shows the ids.")
        #expect(hinted.description == "Task #42 does not exist. `switchyard tasks list` shows the ids.")
        #expect(hinted.id == TaskID(42))
    }

    @Test func aConfigurationErrorIsNotARefusedAction() {
        let error: any Error = ConfigurationError("The lease must be longer than the heartbeat interval.")
        #expect(!(error is ActionError))
        #expect("\(error)" == "The lease must be longer than the heartbeat interval.")
    }
}

@Suite(.database) struct TaskNotFoundDatabaseTests {
    @Test func actingOnOneMissingTaskThrowsTaskNotFound() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let error = try #require(throws: TaskNotFound.self) {
            try TaskActions(connection: connection).perform(.retry([TaskID(999_999)]), actor: "a@b")
        }
        #expect(error.id == TaskID(999_999))
    }

    @Test func tasksShowOfAMissingTaskSaysSoAndExitsNonZero() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let output = try Executable.run(["tasks", "show", "999999"], environment: schema.processEnvironment)
        #expect(output.status != 0)
        #expect(output.stderr.contains("Task #999999 does not exist. `switchyard tasks list` shows the ids."), "\(output.stderr)")
    }
}
