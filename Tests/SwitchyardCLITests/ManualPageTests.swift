import Foundation
import SwitchyardTestSupport
import Testing

/// The manual pages in docs/man/ are what argument-parser's generate-manual writes for the
/// built `switchyard` today, one per command, so they never go stale.
@Suite(.enabled(if: ManualTool.available, "the generate-manual tool is not built: run `make man` or `make test`"))
struct ManualPageTests {
    @Test func theManualPagesMatchTheCommands() throws {
        let root = SwitchyardBinary.packageRoot
        let committed = root.appendingPathComponent("docs/man")
        let generated = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-man-\(getpid())")
        try FileManager.default.createDirectory(at: generated, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: generated) }

        let run = try ChildProcess.run([ManualTool.path, SwitchyardBinary.path, "--multi-page",
                                        "--date", try ManualTool.date(), "--output-directory", generated.path])
        try #require(run.status == 0, "\(run.output)")

        let pages = { (folder: URL) throws -> [String] in
            try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".1") }.sorted()
        }
        let expected = try pages(generated)
        #expect(expected.count > 20, "one page per command: \(expected)")
        #expect(try pages(committed) == expected, "docs/man/ has other pages than the commands: run `make man`")
        for page in expected {
            let now = try String(contentsOf: generated.appendingPathComponent(page), encoding: .utf8)
            let kept = try? String(contentsOf: committed.appendingPathComponent(page), encoding: .utf8)
            if kept != now { Issue.record("docs/man/\(page) is stale: run `make man`") }
        }
    }
}

/// argument-parser's generate-manual, as its plugin builds it (`make man`; `make test` builds it
/// first too), and the fixed date the Makefile gives it.
enum ManualTool {
    static let path = SwitchyardBinary.packageRoot.appendingPathComponent(".build/debug/generate-manual-tool").path

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: path)
            || ProcessInfo.processInfo.environment["SWITCHYARD_TEST_REQUIRE_DATABASE"] == "1"
    }

    /// `MAN_DATE := 2026-12-07` in the Makefile.
    static func date() throws -> String {
        let makefile = try String(contentsOf: SwitchyardBinary.packageRoot.appendingPathComponent("Makefile"), encoding: .utf8)
        let line = try #require(makefile.split(separator: "\n").first { $0.hasPrefix("MAN_DATE := ") }, "no MAN_DATE in the Makefile")
        return String(line.dropFirst("MAN_DATE := ".count))
    }
}
