import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTUI

/// README.md's screen is what the dashboard draws today: the scene scripts/readme-screen.sh
/// captures (scripts/readme-scene.sql, as `make run` shows it at 80x24) is loaded here, read
/// through the dashboard's own backend and drawn by the current code, then compared with
/// README.md's block. Only what must vary between two takes is masked: clock times, ages, the
/// refresh age, the rate of the last 10 s and the server's port.
@Suite(.database) struct ReadmeScreenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let begin = "<!-- readme-screen: begin"
    static let end = "<!-- readme-screen: end"
    static let advice = "run scripts/readme-screen.sh to capture it again (docs/operations.md, \"README's screen\")"

    /// The lines between README.md's markers, without the code fence.
    static func readmeScreen(_ readme: String) throws -> String {
        let lines = readme.components(separatedBy: "\n")
        guard let first = lines.firstIndex(where: { $0.hasPrefix(begin) }),
              let last = lines.firstIndex(where: { $0.hasPrefix(end) }), first + 2 < last - 1,
              lines[first + 1] == "```text", lines[last - 1] == "```" else {
            throw DatabaseError(message: "README.md has no screen between its readme-screen markers: \(advice).")
        }
        return lines[(first + 2)..<(last - 1)].joined(separator: "\n")
    }

    /// Blanks at line ends and empty lines at the end dropped; the parts that vary between two
    /// takes of the same scene replaced by a placeholder, with the blanks around them.
    static func masked(_ screen: String) -> String {
        let rules: [(pattern: String, placeholder: String)] = [
            (#"\d{2}:\d{2}:\d{2}"#, "hh:mm:ss"),
            (#"now \d+(\.\d+)?/s"#, "now #/s"),
            (#"port \d+"#, "port #"),
            (#" *\b\d+[smhd]\b *"#, " # "),
        ]
        var lines = screen.components(separatedBy: "\n").map { line in
            var text = line
            for rule in rules {
                text = text.replacingOccurrences(of: rule.pattern, with: rule.placeholder, options: .regularExpression)
            }
            return String(text.reversed().drop(while: \.isWhitespace).reversed())
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    @Test func theMaskHidesTimesAndAgesButNotTheLayout() {
        let take = " switchyard   live 0s\n│ 11:08:58 #531  ENTRY 53s  1 account(…│\n│ now 0.4/s, peak 60/3 │   \n\n"
        let later = " switchyard   live 12s\n│ 11:09:41 #531  ENTRY 1m   1 account(…│\n│ now 0.0/s, peak 60/3 │"
        #expect(Self.masked(take) == Self.masked(later))
        // A column that moves, a count that changes, a panel renamed: all still differ.
        #expect(Self.masked(take) != Self.masked(take.replacingOccurrences(of: "#531  ENTRY", with: "#531 ENTRY ")))
        #expect(Self.masked(take) != Self.masked(take.replacingOccurrences(of: "peak 60/3", with: "peak 61/3")))
        #expect(Self.masked(take) != Self.masked(take.replacingOccurrences(of: "switchyard", with: "switchyardX")))
    }

    /// The scene drawn by the current code, read in the minute it was loaded (its times are
    /// anchored to that minute); loaded again in a new schema if the minute turned meanwhile.
    func drawScene() async throws -> String {
        let scene = try String(contentsOf: Self.root.appendingPathComponent("scripts/readme-scene.sql"), encoding: .utf8)
        for _ in 0..<3 {
            let schema = try TestDatabase.makeMigratedSchema()
            let connection = try schema.connect()
            defer { connection.close() }
            let minute = "SELECT floor(extract(epoch FROM clock_timestamp()) / 60)::bigint AS m"
            let loadedIn: Int = try connection.execute(Query(minute, parameters: [])).first!.decode("m")
            try connection.executeScript(scene, name: "readmeScene")
            // As `switchyard monitor` reads it with its embedded router: the demo accounts configured.
            let backend = EngineDashboardBackend(settings: schema.settings(), configuredAccounts: AccountSet.demo.accounts)
            defer { backend.close() }
            let snapshot = try await backend.loadSnapshot(filter: TaskFilter())
            guard Int((snapshot.takenAt.timeIntervalSince1970 / 60).rounded(.down)) == loadedIn else { continue }
            // The header as the script's private server (scripts/readme-screen.sh) is named.
            let endpoint = DatabaseEndpoint(user: "switchyard", host: "/tmp/switchyard-readme/run", port: "5432",
                                            database: "switchyard")
            let settings = DashboardSettings(databaseNames: endpoint.names, readOnly: false, timeZone: .utc)
            var model = DashboardModel(settings: settings, now: snapshot.takenAt, size: TerminalSize(columns: 80, rows: 24))
            _ = update(&model, .snapshotLoaded(snapshot, at: snapshot.takenAt))
            _ = update(&model, .routerStatusChanged(RouterStatusLine(state: .running, dryRun: true)))
            var frame = CellBuffer(size: model.size)
            view(model, into: &frame, glyphs: .unicode)
            return frame.plainText
        }
        throw DatabaseError(message: "the minute turned three times while the scene was drawn")
    }

    @Test func readmeShowsTheScreenTheDashboardDrawsToday() async throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let shown = Self.masked(try Self.readmeScreen(readme))
        let drawn = Self.masked(try await drawScene())
        let differences = zip(shown.components(separatedBy: "\n"), drawn.components(separatedBy: "\n")).enumerated()
            .filter { $0.element.0 != $0.element.1 }
            .map { "line \($0.offset + 1):\n  README: \($0.element.0)\n  now:    \($0.element.1)" }
        #expect(shown == drawn, """
            README.md's screen is not what the dashboard draws now: \(Self.advice).
            \(differences.prefix(5).joined(separator: "\n"))
            The dashboard draws (masked):
            \(drawn)
            """)
    }
}
