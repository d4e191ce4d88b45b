import SwitchyardTestSupport
import Testing

/// Every command's `--help` at 80 columns, kept word for word in Snapshots/help-*.txt: a change
/// to any help text shows in review as a diff of what operators read. Record again with
/// `SWITCHYARD_RECORD_SNAPSHOTS=1 swift test --filter HelpSnapshotTests` (Snapshots/README.md).
@Suite struct HelpSnapshotTests {
    static let commands = (try? HelpTextTests.commands()) ?? []

    @Test func everyCommandIsSnapshotted() throws {
        let commands = try HelpTextTests.commands()
        #expect(commands.count > 35, "\(commands)")
        #expect(commands.contains(["tasks", "dead-letter"]) && commands.contains(["bench-sql"]), "\(commands)")
    }

    @Test(arguments: commands)
    func helpAtEightyColumns(command: [String]) throws {
        let help = try HelpTextTests.help(command, columns: 80)
        try assertSnapshot(String(help.dropLast()), named: (["help", "switchyard"] + command).joined(separator: "-"))

        for line in help.split(separator: "\n", omittingEmptySubsequences: false) where line.count > 80 {
            Issue.record("`switchyard \(command.joined(separator: " ")) --help` has a line over 80 columns: \(line)")
        }
        // Wrapping moves words to the next line and nothing else: the words at 80 columns are
        // the words of the unwrapped help, so none was split.
        let wide = try HelpTextTests.help(command, columns: 1000)
        let words = { (text: String) in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) }
        #expect(words(help) == words(wide), "`switchyard \(command.joined(separator: " ")) --help` splits a word at 80 columns")
    }
}
