import Foundation
import SwitchyardBroker
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine

/// Exactly once across a failover: live routers on a primary and its streaming standby, the
/// primary killed mid-drain and the standby promoted. A completion lost with the old primary
/// (asynchronous replication) is sent again from the new one under the same key, because the
/// database's id travelled with the data: the broker answers with the order it already has.
@Suite(.serialized) struct LiveFailoverTests {
    static let tasks = 300

    @Test(.database, .timeLimit(.minutes(3)))
    func ordersLostWithThePrimaryAreReplayedNotReordered() async throws {
        let (directory, primaryURL, primaryEnvironment) = try PrivateServer.startMigrated("live-primary")
        defer { _ = try? PrivateServer.pg("destroy", directory) }
        let primary = try PGConnection(settings: ConnectionSettings(conninfo: primaryURL))
        try TaskQueue(connection: primary).enqueue((0..<Self.tasks).map {
            try NewTask(tradeID: "T-\($0)", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 20)
        })
        let databaseID = try DatabaseIdentity.read(on: primary)
        primary.close()
        let standby = try HotStandby.start(copying: primaryURL, connect: PGConnection(settings: ConnectionSettings(conninfo: primaryURL)))
        defer { standby.stop() }
        let broker = try startedSimulator(BrokerFaults(delayMilliseconds: 20))
        defer { broker.stop() }
        let file = NSTemporaryDirectory() + "switchyard-live-failover-\(UInt32.random(in: 0...UInt32.max)).json"
        defer { unlink(file) }
        try """
            {"accounts": [{"name": "apex-live", "point_value": 50, "risk_per_trade": 1000, "max_contracts": 2,
              "mode": "live", "symbol": "ES", "connector": {"url": "\(broker.url)", "token_env": "SWITCHYARD_TEST_BROKER_TOKEN"}}]}
            """.write(toFile: file, atomically: true, encoding: .utf8)

        let primaryParts = try #require(URLComponents(string: primaryURL)?.queryItems)
        let standbyParts = try #require(URLComponents(string: standby.url)?.queryItems)
        func value(_ items: [URLQueryItem], _ name: String) -> String { items.first { $0.name == name }?.value ?? "" }
        var environment = primaryEnvironment
        environment["DATABASE_URL"] = "postgresql://switchyard@/switchyard?host=\(value(primaryParts, "host")),\(value(standbyParts, "host"))"
            + "&port=\(value(primaryParts, "port")),\(value(standbyParts, "port"))&target_session_attrs=read-write"
        environment["SWITCHYARD_TEST_BROKER_TOKEN"] = testBrokerToken
        let routers = try (0..<2).map { number in
            try Executable.start(["router", "--live", "--accounts", file, "--exit-when-idle", "--router-id", "live-failover-\(number)",
                                  "--concurrency", "2", "--batch-size", "10", "--lease", "3", "--poll-interval", "0.5"],
                                 environment: environment)
        }
        defer { routers.forEach { if $0.0.isRunning { $0.0.terminate() } } }
        // Mid-drain, watched from a thread of its own (the cooperative pool can be held for seconds).
        let takenAtCrash = try await onOwnThread {
            let deadline = ContinuousClock.now + .seconds(60)
            while broker.ledger.count < Self.tasks / 4 && ContinuousClock.now < deadline { usleep(5_000) }
            try PrivateServer.pg("crash", directory)
            return broker.ledger.count
        }
        #expect(takenAtCrash < Self.tasks * 3 / 4, "the primary crashed with \(takenAtCrash) of \(Self.tasks) orders taken")
        try standby.promote()
        for (process, _, errors) in routers {
            let status = try await waitForExit(process)
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(status == 0, "\(log)")
            #expect(!log.contains(testBrokerToken))
        }
        let promoted = try PGConnection(settings: ConnectionSettings(conninfo: standby.url))
        #expect(try DatabaseIdentity.read(on: promoted) == databaseID)
        let ids = try promoted.execute("SELECT id FROM execution_tasks ORDER BY id").rows.map { try $0.decode("id", as: Int.self) }
        #expect(broker.ledger.map(\.key).sorted() == ids.map { "\(databaseID):\($0):apex-live" }.sorted())
        #expect(try promoted.count("SELECT count(*) AS n FROM execution_tasks WHERE status <> 'SUCCESS'") == 0)
        #expect(try promoted.count("""
            SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account = 'apex-live'
            """) == Self.tasks)
        let replays = try promoted.count("SELECT count(*) AS n FROM execution_logs WHERE response_body LIKE '%a replay of the order already taken%'")
        // Or answered from the order ledger (its row replicated with the answer on it): not sent again.
        let fromLedger = try promoted.count("SELECT count(*) AS n FROM execution_logs WHERE response_body LIKE '%not sent again%'")
        print("live failover: \(takenAtCrash) orders taken at the crash; after the promote \(replays) answered again as replays, "
              + "\(fromLedger) from the order ledger")
    }
}
