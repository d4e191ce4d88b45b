import Foundation
import Testing

/// Every command's help at 80 columns: the lines written to stand apart (examples, aligned
/// forms) stay whole, so nothing an operator copies is wrapped in the middle.
@Suite struct HelpTextTests {
    /// The help of `path` (["schedules", "add"]) at `columns`.
    static func help(_ path: [String], columns: Int) throws -> String {
        var environment = CLI.noDatabase
        environment["COLUMNS"] = "\(columns)"
        let result = try CLI.run(path + ["--help"], environment: environment)
        #expect(result.status == 0, "\(path): \(result.output)")
        return result.output
    }

    /// Every command, subcommands included, from the SUBCOMMANDS sections.
    static func commands(under path: [String] = []) throws -> [[String]] {
        let lines = try help(path, columns: 1000).components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [path] }
        let names = lines[(start + 1)...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0 != "help" }
        return try [path] + names.flatMap { try commands(under: path + [$0]) }
    }

    /// The text between OVERVIEW and USAGE.
    static func discussion(_ help: String) -> [String] {
        let lines = help.components(separatedBy: "\n")
        return Array(lines.drop { !$0.hasPrefix("OVERVIEW:") }.dropFirst().prefix { !$0.hasPrefix("USAGE:") })
    }

    @Test func examplesAndAlignedLinesStayWholeAtEightyColumns() throws {
        let commands = try Self.commands()
        #expect(commands.count > 20, "\(commands)")
        for command in commands {
            let wide = Self.discussion(try Self.help(command, columns: 1000))
            let narrow = Set(Self.discussion(try Self.help(command, columns: 80)))
            // Examples and aligned lines: indented, or a command line written out.
            let standApart = wide.filter {
                ($0.hasPrefix(" ") && !$0.trimmingCharacters(in: .whitespaces).isEmpty)
                    || $0.hasPrefix("switchyard ")
            }
            for line in standApart {
                #expect(line.count <= 80 && narrow.contains(line),
                        "`switchyard \(command.joined(separator: " ")) --help` wraps at 80 columns: \(line)")
            }
        }
    }

    @Test func enqueueExamplesAreWholeLines() throws {
        let help = try Self.help(["enqueue"], columns: 80).components(separatedBy: "\n")
        #expect(help.contains(#"  '{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150}'"#))
        #expect(help.contains(#"  {"trade_id":"ES-1","event_type":"ENTRY","payload":{"kind":"ENTRY",...}}"#))
    }
}
