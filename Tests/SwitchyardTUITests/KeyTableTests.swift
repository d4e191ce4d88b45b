import Foundation
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// One table feeds key handling, the help screen, the hint line and the read-only notices.
struct KeyTableTests {
    @Test func noKeyIsBoundTwice() {
        let keys = KeyTable.bindings.flatMap(\.keys)
        #expect(Set(keys).count == keys.count)
        #expect(KeyTable.commands.count == keys.count)
    }

    @Test func everyChangeHasAKeyAndItsReadOnlyNoticeNamesThatKey() {
        for change in ChangeCommand.allCases {
            let binding = KeyTable.bindings.first { $0.command == .change(change) }
            #expect(binding != nil, "no key for \(change)")
            guard let key = binding?.keys.first else { continue }
            var model = Fixture.loaded(Fixture.busySnapshot, readOnly: true)
            #expect(update(&model, .key(key)) == [])
            #expect(model.status?.text == "Read-only mode: \(change.name) (\(key.name)) is disabled (started with --read-only).")
        }
    }

    @Test func everyNumberKeyOpensItsView() {
        let numbers = KeyTable.bindings.filter { if case .show = $0.command { true } else { false } }
        #expect(numbers.map(\.label) == ["1", "2", "3", "4", "5", "6"])
        for binding in numbers {
            guard case .show(let view) = binding.command else { continue }
            var model = Fixture.loaded(Fixture.busySnapshot)
            _ = update(&model, .key(.character("?")))
            _ = update(&model, .key(binding.keys[0]))
            #expect(model.view == view)
        }
        // The number keys share one help line, in table order.
        let line = KeyTable.helpLines(readOnly: false).first { $0.key == "1 2 3 4 5 6" }
        #expect(line?.text == "dashboard, task list, routers, accounts, alerts, schedules")
    }

    @Test func helpListsEveryLabelledBinding() {
        let help = KeyTable.helpLines(readOnly: false)
        for binding in KeyTable.bindings where !binding.label.isEmpty {
            #expect(help.contains { $0.key.split(separator: " ").contains(Substring(binding.label.split(separator: " ")[0])) },
                    "help misses \(binding.label)")
        }
        #expect(KeyTable.helpLines(readOnly: true).contains { $0.text.hasSuffix("(disabled: read-only mode)") })
    }

    @Test func theHintLineNamesOnlyBoundKeysAndFitsEightyColumns() {
        let labels = Set(KeyTable.bindings.map(\.label))
        let views: [DashboardView] = [.dashboard, .taskList, .taskDetail(TaskID(1)), .routers, .help]
        for view in views {
            for item in KeyTable.hints(for: view) { #expect(labels.contains(item.key)) }
            for readOnly in [false, true] {
                let line = KeyTable.hintLine(for: view, readOnly: readOnly, width: 79)
                #expect(DisplayWidth.of(line) <= 79, "\(view) hint line: \(line)")
            }
        }
        #expect(KeyTable.hintLine(for: .dashboard, readOnly: false, width: 79).hasSuffix("r d h P R act"))
        #expect(KeyTable.hintLine(for: .dashboard, readOnly: false, width: 119).hasSuffix("R retry all"))
        #expect(KeyTable.hintLine(for: .routers, readOnly: true, width: 79).hasSuffix("read-only: changes disabled"))
        #expect(!KeyTable.hintLine(for: .routers, readOnly: false, width: 79).contains("r retry"))
    }

    @Test func theOperatorGuideDocumentsEveryKey() throws {
        let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/operations.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        let keys = try #require(text.range(of: "## Keys")).upperBound
        let section = text[keys...].prefix { _ in true }.components(separatedBy: "\n## ")[0]
        for binding in KeyTable.bindings {
            let name = binding.keys[0].name
            #expect(section.contains("`\(name)`"), "docs/operations.md's key table misses `\(name)`")
        }
    }
}
