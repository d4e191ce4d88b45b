import Testing
@testable import SwitchyardEngine

/// What an action's summary says about the tasks it left alone: grouped by reason, refusals
/// called refusals, a few ids each.
struct ActionReportTests {
    func ids(_ numbers: Int...) -> [TaskID] { numbers.map { TaskID($0) } }

    @Test func retryAllOnRefusedTasksSaysRefusedNotMovedOn() {
        let refused = ids(3, 5, 8, 13, 21, 34, 55, 89, 144)
        let report = ActionReport(action: .retryMatching(TaskFilter()), changed: [],
                                  skipped: Dictionary(uniqueKeysWithValues: refused.map { ($0, .exitAlreadyRan) }))
        #expect(report.summary == "Retried 0 tasks; refused 9 because their trade's EXIT already ran (#3, #5, #8, ...).")
        #expect(!report.summary.contains("moved on"))
    }

    @Test func reasonsAreGroupedRefusalsFirstThenStatusesInLifecycleOrderThenUnknownIDs() {
        let report = ActionReport(action: .retry(ids(1, 2, 3, 4, 5, 6, 7)), changed: ids(1, 2), skipped: [
            TaskID(7): .notFound, TaskID(6): .status(.dead), TaskID(4): .status(.success), TaskID(5): .status(.success),
            TaskID(3): .exitAlreadyRan,
        ])
        #expect(report.summary == "Retried 2 tasks; refused 1 because its trade's EXIT already ran (#3); "
                    + "skipped 2 that are SUCCESS (#4, #5); skipped 1 that is DEAD (#6); skipped 1 that does not exist (#7).")
    }

    @Test func nothingLeftAloneIsJustTheCount() {
        #expect(ActionReport(action: .hold(ids(1)), changed: ids(1), skipped: [:]).summary == "Held 1 task.")
        #expect(ActionReport(action: .deadLetter(ids(1, 2), reason: "x"), changed: ids(1, 2), skipped: [:]).summary
                == "Dead-lettered 2 tasks.")
    }

}
