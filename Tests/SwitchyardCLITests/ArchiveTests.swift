import Foundation
import SwitchyardEngine
import SwitchyardTestSupport
import Testing

/// `switchyard archive` as an operator runs it, on a real server: files, manifest, verify,
/// restore, and a real process killed with SIGKILL at several points, then run again.
@Suite(.database) struct ArchiveTests {
    let schema: CLISchema
    let connection: PGConnection
    let folder = NSTemporaryDirectory() + "switchyard-archive-\(UInt32.random(in: 0...UInt32.max))"

    init() throws {
        schema = try CLISchema()
        connection = try PGConnection(settings: ConnectionSettings(conninfo: schema.environment["DATABASE_URL"]!))
        try connection.executeScript(ArchiveFixture.seedSQL(), name: "seed")
    }

    func archive(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try CLI.run(["archive", "--older-than", "400d", "--to", folder] + arguments, environment: schema.environment)
    }

    func fingerprint(_ table: String, tradesLike: String? = nil) throws -> String {
        let row = try connection.execute(Query(ArchiveFixture.fingerprintSQL(table: table, tradesLike: tradesLike), parameters: [])).first!
        return "\(try row.decode("n", as: Int.self)) rows, \(try row.decode("fingerprint", as: String.self))"
    }

    func count(_ sql: String) throws -> Int {
        try connection.execute(Query(sql, parameters: [])).first!.decode("n")
    }

    func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jsonl.gz") }.sorted()
    }

    /// Every archive file the manifest does not mark superseded, restored into one schema: a task
    /// archived twice fails on the primary key.
    func restoreAll(into name: String) throws {
        let superseded = try ArchiveManifest.load(folder: folder).files.filter { $0.supersededBy != nil }.map(\.file)
        for file in try files() where !superseded.contains(file) {
            let restored = try CLI.run(["archive", "restore", folder + "/" + file, "--schema", name], environment: schema.environment)
            try #require(restored.status == 0, "\(restored.output)")
        }
    }

    @Test func archivesFinishedTradesByMonthThenVerifiesAndRestoresThemExactly() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tasksBefore = try fingerprint("execution_tasks", tradesLike: "old-%")
        let logsBefore = try fingerprint("execution_logs", tradesLike: "old-%")
        let staying = try count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id NOT LIKE 'old-%'")
        let positions = try count("SELECT count(*) AS n FROM switchyard_open_positions")
        let minutes = try connection.execute("SELECT count(*) AS n, sum(succeeded) AS s, sum(failed) AS f FROM switchyard_attempt_minutes").first!.values

        let dryRun = try archive(["--dry-run"])
        #expect(dryRun.status == 0 && dryRun.output.contains("2024-01: ") && dryRun.output.contains("240 tasks"), "\(dryRun.output)")
        #expect(try fingerprint("execution_tasks", tradesLike: "old-%") == tasksBefore)
        #expect(try count("SELECT count(*) AS n FROM switchyard_archive_ledger") == 0 && !FileManager.default.fileExists(atPath: folder))

        let run = try archive(["--yes"])
        #expect(run.status == 0 && run.output.contains("Archived 240 tasks"), "\(run.output)")
        #expect(try files() == ["execution-2024-01.jsonl.gz", "execution-2024-02.jsonl.gz", "execution-2024-03.jsonl.gz"])
        let zcat = try ChildProcess.run(["zcat", folder + "/execution-2024-01.jsonl.gz"])
        #expect(zcat.status == 0 && zcat.output.hasPrefix(#"{"table":"execution_tasks","row":{"id":"#))

        // Nothing of the old trades is left; the unfinished trade, the open position and the
        // recent trade all are, and the derived tables did not move.
        #expect(try count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id LIKE 'old-%'") == 0)
        #expect(try count("SELECT count(*) AS n FROM execution_tasks") == staying)
        #expect(try count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id IN ('open-exit', 'open-position', 'recent')") == staying)
        #expect(try count("SELECT count(*) AS n FROM switchyard_open_positions") == positions)
        #expect(try connection.execute("SELECT count(*) AS n, sum(succeeded) AS s, sum(failed) AS f FROM switchyard_attempt_minutes").first!.values == minutes)
        let ledger = try connection.execute("SELECT state, actor, tasks, logs, sha256 FROM switchyard_archive_ledger ORDER BY month").rows
        #expect(ledger.count == 3 && ledger.allSatisfy { $0["state"] == "done" && $0["sha256"]?.count == 64 && $0["actor"]?.contains("@") == true })
        #expect(try count("SELECT count(*) AS n FROM switchyard_archive_members") == 0)

        let verify = try CLI.run(["archive", "verify", folder])
        #expect(verify.status == 0 && verify.output.contains("All 3 files match the manifest."), "\(verify.output)")

        try restoreAll(into: "audit_\(UInt32.random(in: 0...UInt32.max))".lowercased())
        let restoredSchema = try connection.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'audit_%' ORDER BY oid DESC LIMIT 1")
            .first!.decode("nspname", as: String.self)
        #expect(try fingerprint("\(restoredSchema).execution_tasks") == tasksBefore)
        #expect(try fingerprint("\(restoredSchema).execution_logs") == logsBefore)
        let again = try CLI.run(["archive", "restore", folder + "/execution-2024-01.jsonl.gz", "--schema", restoredSchema],
                                environment: schema.environment)
        #expect(again.status == 1 && again.output.contains("already holds rows"), "\(again.output)")
        _ = try connection.execute(Query("DROP SCHEMA \(restoredSchema) CASCADE", parameters: []))

        // A second run finds nothing more.
        let second = try archive(["--yes"])
        #expect(second.status == 0 && second.output.contains("Nothing to archive"), "\(second.output)")
    }

    @Test func verifyCatchesAChangedByteAMissingFileAndAStrayFile() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try archive(["--yes"]).status == 0)
        // One byte of a file's compressed body changed (gzip's own checksum and SHA-256 both see it).
        let changed = URL(fileURLWithPath: folder + "/execution-2024-02.jsonl.gz")
        var bytes = try Data(contentsOf: changed)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: changed)
        try FileManager.default.removeItem(atPath: folder + "/execution-2024-03.jsonl.gz")
        try FileManager.default.copyItem(atPath: folder + "/execution-2024-01.jsonl.gz", toPath: folder + "/execution-2023-12.jsonl.gz")
        let verify = try CLI.run(["archive", "verify", folder])
        #expect(verify.status == 2, "\(verify.output)")
        #expect(matches(verify.output, "ok +execution-2024-01.jsonl.gz"))
        #expect(matches(verify.output, "FAILED execution-2024-02.jsonl.gz: "))
        #expect(verify.output.contains("FAILED execution-2024-03.jsonl.gz: missing"))
        #expect(verify.output.contains("FAILED execution-2023-12.jsonl.gz: not in the manifest"))
        #expect(verify.output.contains("3 of 4 files do not match the manifest."))
        // restore refuses a file that does not match.
        let restore = try CLI.run(["archive", "restore", changed.path], environment: schema.environment)
        #expect(restore.status == 1 && restore.output.contains("does not match its manifest entry"), "\(restore.output)")
    }

    @Test func aRunKilledAfterTheFileAfterTheManifestAndMidDeleteIsFinishedByTheNextWithNoLossAndNoDuplicate() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tasksBefore = try fingerprint("execution_tasks", tradesLike: "old-%")
        let logsBefore = try fingerprint("execution_logs", tradesLike: "old-%")
        let killed = Int32(128 + SIGKILL)
        func state() throws -> String {
            try connection.execute("SELECT string_agg(to_char(month, 'YYYY-MM') || ' ' || state, ', ' ORDER BY month, part) AS s FROM switchyard_archive_ledger")
                .first!.decodeIfPresent("s") ?? ""
        }
        func manifestFiles() throws -> [String] { try ArchiveManifest.load(folder: folder).files.map(\.file) }

        // 1. Killed once January's file is synced, before the manifest names it.
        let first = try archive(["--yes", "--kill-at", "file-written"])
        #expect(first.status == killed, "\(first.output)")
        #expect(try state() == "2024-01 planned" && files() == ["execution-2024-01.jsonl.gz"] && manifestFiles() == [])
        // 2. The rerun writes January again; killed once the manifest names it, before the ledger does.
        #expect(try archive(["--yes", "--kill-at", "manifest-written"]).status == killed)
        #expect(try state() == "2024-01 planned" && manifestFiles() == ["execution-2024-01.jsonl.gz"])
        #expect(try count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id LIKE 'old-%'") == 240)
        // 3. Killed after the first batch of January's rows left.
        #expect(try archive(["--yes", "--batch-size", "10", "--kill-at", "batch-deleted"]).status == killed)
        #expect(try state() == "2024-01 deleting")
        let left = try count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id LIKE 'old-%'")
        #expect(left == 230)
        // A concurrent change to a task being archived is refused until the month is done.
        #expect(throws: DatabaseError.self) {
            try connection.execute("UPDATE execution_tasks SET status = 'PENDING' WHERE id = (SELECT max(task_id) FROM switchyard_archive_members)")
        }
        // 4. The rerun finishes January, then archives the rest.
        let finish = try archive(["--yes", "--batch-size", "10"])
        #expect(finish.status == 0 && finish.output.contains("finishing what an earlier run left deleting"), "\(finish.output)")
        #expect(try state() == "2024-01 done, 2024-02 done, 2024-03 done")
        #expect(try count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id LIKE 'old-%'") == 0)
        #expect(try CLI.run(["archive", "verify", folder]).status == 0)

        let restored = "killed_\(UInt32.random(in: 0...UInt32.max))"
        try restoreAll(into: restored)
        #expect(try fingerprint("\(restored).execution_tasks") == tasksBefore)
        #expect(try fingerprint("\(restored).execution_logs") == logsBefore)
        _ = try connection.execute(Query("DROP SCHEMA \(restored) CASCADE", parameters: []))
    }

    @Test func aLateAuditRowForAMonthLeavingIsArchivedInAPartThatSupersedesItsFile() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let killed = Int32(128 + SIGKILL)
        func state() throws -> String {
            try connection.execute("""
                SELECT string_agg(to_char(month, 'YYYY-MM') || ' ' || part || ' ' || state, ', ' ORDER BY month, part) AS s
                FROM switchyard_archive_ledger
                """).first!.decodeIfPresent("s") ?? ""
        }
        // The rows as they are before anything leaves, kept aside to compare with what comes back.
        let expected = "expected_\(UInt32.random(in: 0...UInt32.max))"
        try connection.executeScript("""
            CREATE SCHEMA \(expected);
            CREATE TABLE \(expected).execution_tasks AS SELECT * FROM execution_tasks;
            CREATE TABLE \(expected).execution_logs AS SELECT * FROM execution_logs;
            """, name: "expected")
        defer { _ = try? connection.execute(Query("DROP SCHEMA \(expected) CASCADE", parameters: [])) }
        // January's file is written and its first batch left; then a late write-back adds an
        // audit row to the last task of January, still in the database.
        #expect(try archive(["--yes", "--batch-size", "10", "--kill-at", "batch-deleted"]).status == killed)
        #expect(try state() == "2024-01 1 deleting")
        try connection.executeScript("""
            INSERT INTO execution_logs (task_id, status, response_body, event, actor)
            SELECT max(task_id), 'SUCCESS', 'late write-back', 'RECOVERED', 'router r9' FROM switchyard_archive_members;
            INSERT INTO \(expected).execution_logs SELECT * FROM execution_logs WHERE response_body = 'late write-back';
            """, name: "late")
        let tasksBefore = try fingerprint("\(expected).execution_tasks", tradesLike: "old-%")
        let logsBefore = try fingerprint("\(expected).execution_logs", tradesLike: "old-%")
        let januaryFirst = try ArchiveVerifier.read(path: folder + "/execution-2024-01.jsonl.gz")

        // The rerun supersedes January's part 1 by a part 2; killed once part 2's file is written.
        #expect(try archive(["--yes", "--batch-size", "10", "--kill-at", "file-written"]).status == killed)
        #expect(try state() == "2024-01 1 superseded, 2024-01 2 planned")
        // The batches before the late task's left under part 1; part 2 holds the rest of January.
        let left = try count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id LIKE 'old-%' AND created_at < '2024-02-01'")
        #expect(try left > 0 && left < 80 && count("SELECT count(*) AS n FROM switchyard_archive_members") == left)

        // The next run finishes it all.
        let third = try archive(["--yes", "--batch-size", "10"])
        #expect(third.status == 0 && third.output.contains("2024-01 (part 2): finishing what an earlier run left planned."),
                "\(third.output)")
        #expect(try state() == "2024-01 1 superseded, 2024-01 2 done, 2024-02 1 done, 2024-03 1 done")
        #expect(try count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id LIKE 'old-%'") == 0)
        #expect(try count("SELECT count(*) AS n FROM switchyard_archive_members") == 0)

        // Part 1's file is kept as written, marked superseded; part 2 holds all of January, the late
        // row included, so it has one audit row more; verify passes for every file.
        let manifest = try ArchiveManifest.load(folder: folder)
        let first = try #require(manifest.entry(named: "execution-2024-01.jsonl.gz"))
        let part2 = try #require(manifest.entry(named: "execution-2024-01.part2.jsonl.gz"))
        #expect(first.supersededBy == part2.file && part2.supersededBy == nil)
        #expect(first.sha256 == januaryFirst.sha256 && part2.tasks == first.tasks && part2.logs == first.logs + 1)
        let verify = try CLI.run(["archive", "verify", folder])
        #expect(verify.status == 0 && verify.output.contains("All 4 files match the manifest."), "\(verify.output)")
        #expect(verify.output.contains("(superseded by execution-2024-01.part2.jsonl.gz)"))

        // What left is what the files the manifest does not supersede hold, each row once.
        let restored = "late_\(UInt32.random(in: 0...UInt32.max))"
        try restoreAll(into: restored)
        #expect(try fingerprint("\(restored).execution_tasks") == tasksBefore)
        #expect(try fingerprint("\(restored).execution_logs") == logsBefore)
        _ = try connection.execute(Query("DROP SCHEMA \(restored) CASCADE", parameters: []))
        let refused = try CLI.run(["archive", "restore", folder + "/execution-2024-01.jsonl.gz"], environment: schema.environment)
        #expect(refused.status == 1 && refused.output.contains("is superseded by execution-2024-01.part2.jsonl.gz"), "\(refused.output)")
    }

    @Test func withoutYesAndWithoutATerminalItRefusesAndMovesNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let before = try fingerprint("execution_tasks")
        let refused = try archive([])
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("no terminal to ask on") && refused.output.contains("--yes"))
        #expect(try fingerprint("execution_tasks") == before)
        #expect(try count("SELECT count(*) AS n FROM switchyard_archive_ledger") == 0)
        #expect(try files() == [])
    }
}
