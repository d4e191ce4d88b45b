import Foundation
import Testing
import SwitchyardTestSupport
@testable import SwitchyardEngine

/// A failover with real parts: a private primary and its streaming standby (`pg_basebackup
/// -R`), routers on a multi-host URL with `target_session_attrs=read-write`, the primary killed
/// in the middle of a drain and the standby promoted.
@Suite(.serialized) struct FailoverTests {
    func count(_ sql: Query, at url: String) throws -> Int {
        try PGConnection(settings: ConnectionSettings(conninfo: url)).count(sql)
    }

    @Test(.database, .timeLimit(.minutes(3)))
    func routersCarryOnAgainstThePromotedStandby() async throws {
        let (directory, primaryURL, primaryEnvironment) = try PrivateServer.startMigrated("primary")
        defer { _ = try? PrivateServer.pg("destroy", directory) }
        var environment = primaryEnvironment
        #expect(try Executable.run(["enqueue", "--synthetic", "1000"], environment: environment).status == 0)
        let standby = try HotStandby.start(copying: primaryURL,
                                           connect: PGConnection(settings: ConnectionSettings(conninfo: primaryURL)))
        defer { standby.stop() }

        // Both servers in one URL; libpq picks the one that accepts writes.
        let primary = try #require(URLComponents(string: primaryURL)?.queryItems)
        let standbyParts = try #require(URLComponents(string: standby.url)?.queryItems)
        func value(_ items: [URLQueryItem], _ name: String) -> String { items.first { $0.name == name }?.value ?? "" }
        let both = "postgresql://switchyard@/switchyard?host=\(value(primary, "host")),\(value(standbyParts, "host"))"
            + "&port=\(value(primary, "port")),\(value(standbyParts, "port"))&target_session_attrs=read-write"
        environment["DATABASE_URL"] = both
        // An operator dashboard on the same URL, and an observer that prefers the standby.
        let dashboard = try TmuxSession(command: [Executable.path, "monitor", "--no-router", "--refresh", "0.5"],
                                        environment: ["DATABASE_URL": both, "LANG": "C.UTF-8"])
        defer { dashboard.close() }
        try dashboard.waitFor("OPERATOR")
        let preferStandby = both.replacingOccurrences(of: "read-write", with: "prefer-standby")
        let observer = try PGConnection(settings: ConnectionSettings(conninfo: preferStandby, readOnly: true))
        #expect(try observer.execute("SELECT pg_is_in_recovery() AS standby").first?.decode("standby", as: Bool.self) == true,
                "prefer-standby reads from the standby while it is up")
        #expect(try observer.count("SELECT count(*) AS n FROM execution_tasks") == 2000)
        observer.close()

        // The routers start once the dashboard and the observer are up, so that the drain is
        // still young when the wait below begins, however slowly they started.
        let routers = try (0..<2).map { number in
            // Orders of 20 ms, two at a time: a drain of some fifteen seconds, so the crash lands
            // in it however slowly this test's own polling runs on a loaded machine. Claims of at
            // most 10 tasks (0.3 s of routing): what is measured is the reconnection, not how long
            // a batch routed when the primary died still takes.
            try Executable.start(["router", "--exit-when-idle", "--router-id", "failover-\(number)", "--latency-ms", "20",
                                  "--concurrency", "2", "--batch-size", "10", "--lease", "3", "--poll-interval", "0.5"],
                                 environment: environment)
        }
        defer { routers.forEach { if $0.0.isRunning { $0.0.terminate() } } }

        // Mid-drain: some tasks done, most still to do. The wait and the crash run on a thread
        // of their own: polled from the cooperative pool, which other tests' synchronous waits
        // can hold for seconds, the crash once landed after the drain was nearly over.
        let leftAtCrash = try await onOwnThread { [self] in
            let deadline = ContinuousClock.now + .seconds(60)
            var left = 2000
            repeat {
                usleep(20_000)
                left = try count("SELECT count(*) AS n FROM execution_tasks WHERE status <> 'SUCCESS'", at: primaryURL)
            } while left > 1800 && ContinuousClock.now < deadline
            try PrivateServer.pg("crash", directory)
            return left
        }
        #expect(leftAtCrash > 800, "the primary crashed with \(leftAtCrash) of 2000 tasks left")
        print("failover: the primary crashed with \(leftAtCrash) of 2000 tasks left")
        try dashboard.waitFor("OFFLINE")
        try standby.promote()
        let promotedAt: Date = try PGConnection(settings: ConnectionSettings(conninfo: standby.url))
            .execute("SELECT now() AS now").first!.decode("now")
        // The dashboard shows the reconnection to the new primary.
        try dashboard.waitUntil(description: "back online", timeout: 5) { !$0.contains("OFFLINE") && $0.contains("OPERATOR") }

        for (process, _, errors) in routers {
            let stopAt = ContinuousClock.now + .seconds(90)
            while process.isRunning, ContinuousClock.now < stopAt { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!process.isRunning, "a router did not finish within 90 s of the promote")
            process.waitUntilExit()
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(log)")
        }
        // On the new primary: every task done, none accepted twice by an account.
        #expect(try count("SELECT count(*) AS n FROM execution_tasks", at: standby.url) == 2000)
        // Done is SUCCESS, but for one case: an ENTRY whose write-back died with the old primary
        // (asynchronous replication) while its EXIT's account results, written after, reached
        // the new one. That EXIT ran, so the router refuses to send the ENTRY again
        // (docs/router.md): FAILED, saying so.
        let left = try PGConnection(settings: ConnectionSettings(conninfo: standby.url)).execute("""
            SELECT t.event_type, t.status, coalesce(t.last_error, '') AS last_error,
                EXISTS (SELECT 1 FROM execution_tasks AS x JOIN execution_logs AS l ON l.task_id = x.id
                        WHERE x.trade_id = t.trade_id AND x.event_type = 'EXIT' AND x.id > t.id AND l.event = 'ATTEMPT'
                          AND l.status = 'SUCCESS' AND l.account IS NOT NULL) AS exit_accepted
            FROM execution_tasks AS t WHERE t.status <> 'SUCCESS'
            """).rows
        for row in left {
            let what = "\(try row.decode("event_type", as: String.self)) \(try row.decode("status", as: String.self)): "
                + (try row.decode("last_error", as: String.self))
            #expect(what.hasPrefix("ENTRY FAILED: Refused for ") && what.contains("already ran"), "\(what)")
            #expect(try row.decode("exit_accepted", as: Bool.self), "\(what)")
        }
        #expect(try count("""
            SELECT count(*) AS n FROM (SELECT task_id, account FROM execution_logs
                                       WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account IS NOT NULL
                                       GROUP BY 1, 2 HAVING count(*) > 1) AS twice
            """, at: standby.url) == 0)
        // Work resumed on the new primary within 5 s of the promote.
        let firstAfter: Date? = try PGConnection(settings: ConnectionSettings(conninfo: standby.url)).execute("""
            SELECT min(finished_at) AS first FROM execution_tasks WHERE finished_at >= \(promotedAt)
            """).first?.decodeIfPresent("first")
        let resumedAfter = try #require(firstAfter).timeIntervalSince(promotedAt)
        #expect(resumedAfter < 5, "first task finished \(resumedAfter) s after the promote")
        print("failover: the first task finished on the new primary \(resumedAfter) s after the promote")
        try dashboard.send("q")
        #expect(try dashboard.waitForExit().status == 0)
    }
}
