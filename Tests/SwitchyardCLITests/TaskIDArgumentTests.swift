import SwitchyardEngine
import Testing

/// Task ids on the command line: `279` or `#279`, the way the dashboard writes them.
struct TaskIDArgumentTests {
    @Test(arguments: [("279", 279), ("#279", 279), ("1", 1), ("#1", 1), ("007", 7)])
    func acceptedForms(text: String, id: Int) {
        #expect(TaskID(text: text) == TaskID(id))
    }

    @Test(arguments: ["", "#", "##5", "abc", "#x1", "12a", "0", "#0", "-3", "+3", "3.0", " 3", "99999999999999999999999", "٣"])
    func refusedForms(text: String) {
        #expect(TaskID(text: text) == nil)
    }

    @Test(arguments: [["show"], ["retry"], ["dead-letter", "--reason", "test"], ["hold"], ["resume"]])
    func junkIsAUsageErrorThatSaysTheAcceptedForms(command: [String]) throws {
        let refused = try CLI.run(["tasks"] + command + ["12a"])
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.output.hasPrefix(
            "Error: The value '12a' is invalid for '<id"), "\(refused.output)")
        #expect(refused.output.contains("a task id is a number, such as 279 or #279; `switchyard tasks list` shows them."),
                "\(refused.output)")
    }
}

@Suite(.database) struct TaskIDArgumentDatabaseTests {
    @Test func everyTaskCommandTakesTheIDWithOrWithoutTheHash() throws {
        let schema = try CLISchema()
        let id = try schema.enqueueEntry(trade: "CLI-HASH")
        for text in ["#\(id)", String(id)] {
            let shown = try CLI.run(["tasks", "show", text], environment: schema.environment)
            #expect(shown.status == 0, "\(shown.output)")
            #expect(shown.output.hasPrefix("Task \(id): ENTRY for trade CLI-HASH\n"), "\(shown.output)")
        }
        let held = try CLI.run(["tasks", "hold", "#\(id)"], environment: schema.environment)
        #expect(held.status == 0, "\(held.output)")
        let resumed = try CLI.run(["tasks", "resume", "#\(id)"], environment: schema.environment)
        #expect(resumed.status == 0, "\(resumed.output)")
        let deadLettered = try CLI.run(["tasks", "dead-letter", "#\(id)", "--reason", "test"], environment: schema.environment)
        #expect(deadLettered.status == 0, "\(deadLettered.output)")
        let retried = try CLI.run(["tasks", "retry", "#\(id)"], environment: schema.environment)
        #expect(retried.status == 0, "\(retried.output)")
        let shown = try CLI.run(["tasks", "show", "#\(id)"], environment: schema.environment)
        #expect(shown.output.contains("status     PENDING"), "\(shown.output)")
    }
}
