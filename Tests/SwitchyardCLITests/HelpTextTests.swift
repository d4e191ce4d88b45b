import Foundation
import Testing

/// Every command's help at 80 columns: the lines written to stand apart (examples, aligned
/// forms) stay whole, so nothing an operator copies is wrapped in the middle.
@Suite struct HelpTextTests {
    /// The help of `path` (["schedules", "add"]) at `columns`.
    static func help(_ path: [String], columns: Int) throws -> String {
        var environment = CLI.noDatabase
        environment["COLUMNS"] = "\(columns)"
        // Some help names this machine's zone as a default: the snapshots are taken in this one.
        environment["TZ"] = "Etc/UTC"
        let result = try CLI.run(path + ["--help"], environment: environment)
        #expect(result.status == 0, "\(path): \(result.output)")
        return result.output
    }

    /// Every command, subcommands and hidden ones included, from the parser's own configuration:
    /// the command tree `--experimental-dump-help` writes (argument-parser walks `subcommands`),
    /// so a new command cannot be missed. argument-parser's built-in `help` is left out.
    static func commands() throws -> [[String]] {
        let dump = try CLI.run(["--experimental-dump-help"])
        try #require(dump.status == 0, "\(dump.output)")
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(dump.output.utf8)) as? [String: Any])
        func walk(_ command: [String: Any], _ path: [String]) -> [[String]] {
            let subcommands = command["subcommands"] as? [[String: Any]] ?? []
            return [path] + subcommands.flatMap { sub -> [[String]] in
                guard let name = sub["commandName"] as? String, !(path.isEmpty && name == "help") else { return [] }
                return walk(sub, path + [name])
            }
        }
        return walk(try #require(tool["command"] as? [String: Any]), [])
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
