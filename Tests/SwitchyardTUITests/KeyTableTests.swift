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

    /// docs/operations.md's "## Keys" section, up to the next "## " heading.
    static func operatorGuideKeys() throws -> String {
        let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/operations.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        let keys = try #require(text.range(of: "## Keys")).upperBound
        return text[keys...].components(separatedBy: "\n## ")[0]
    }

    /// The `backticked` words of a text.
    static func backticked(_ text: some StringProtocol) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test func theOperatorGuideDocumentsEveryKey() throws {
        let section = try Self.operatorGuideKeys()
        for binding in KeyTable.bindings {
            let name = binding.keys[0].name
            #expect(section.contains("`\(name)`"), "docs/operations.md's key table misses `\(name)`")
        }
    }

    /// The other way round: a key the guide names is a key the dashboard has (it once said `n` ran
    /// a schedule now; the key is `t`).
    @Test func theOperatorGuideNamesOnlyKeysThatExist() throws {
        let section = try Self.operatorGuideKeys()
        let bound = Set(KeyTable.bindings.flatMap(\.keys).map(\.name))
        // Read by the terminal, not the key table: Ctrl-L repaints, Ctrl-C is SIGINT. The guide
        // draws the arrow keys as arrows.
        let terminal: Set = ["Ctrl-L", "Ctrl-C"]
        let arrows = ["↓": "Down", "↑": "Up"]
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| `") }
        #expect(rows.count > 20)
        for row in rows {
            let column = row.split(separator: "|")[0]
            for key in Self.backticked(column) {
                let name = arrows[key] ?? key
                #expect(bound.contains(name) || terminal.contains(name), "docs/operations.md names the key `\(key)`, which nothing binds")
            }
        }
        let sentence = try #require(section.split(whereSeparator: { $0 == "." || $0 == ";" }).first { $0.contains("act on the selected schedule") })
        let scheduleKeys = KeyTable.bindings.filter {
            if case .change(let change) = $0.command { change.actsOnSchedule } else { false }
        }.map(\.label)
        #expect(Set(Self.backticked(sentence)) == Set(scheduleKeys), "\(sentence)")
    }
}
