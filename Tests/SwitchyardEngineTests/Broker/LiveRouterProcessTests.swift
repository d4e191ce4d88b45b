import Foundation
import SwitchyardBroker
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// `switchyard router --live` as operators run it, against the simulator in this process: a
/// router SIGKILLed mid-batch and a second one finishing; a token that cannot be read; a router
/// without `--live` never sending a live account's order.
@Suite(.database, .serialized) struct LiveRouterProcessTests {
    /// An accounts file with one live account sending to `broker`; removed by the caller.
    func accountsFile(_ broker: BrokerSimulator, tokenEnv: String = "SWITCHYARD_TEST_BROKER_TOKEN") throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-live-\(UInt32.random(in: 0...UInt32.max)).json"
        let json = """
            {"accounts": [{"name": "apex-live", "point_value": 50, "risk_per_trade": 1000, "max_contracts": 2,
              "mode": "live", "symbol": "ES", "connector": {"url": "\(broker.url)", "token_env": "\(tokenEnv)"}}]}
            """
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func environment(_ schema: TestSchema) -> [String: String] {
        var environment = schema.processEnvironment
        environment["SWITCHYARD_TEST_BROKER_TOKEN"] = testBrokerToken
        return environment
    }

    func finish(_ process: Process, _ err: Pipe) async throws -> (Int32, String) {
        let status = try await waitForExit(process)
        return (status, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test func aRouterKilledMidBatchLeavesOneOrderPerTaskAfterASecondFinishes() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let ids = try TaskQueue(connection: connection).enqueue((0..<20).map {
            try NewTask(tradeID: "T-\($0)", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON)
        })
        // Each answer takes 300 ms: the victim is killed while the broker has orders whose
        // answers it never wrote down.
        let broker = try startedSimulator(BrokerFaults(delayMilliseconds: 300))
        defer { broker.stop() }
        let file = try accountsFile(broker)
        defer { unlink(file) }
        let common = ["router", "--live", "--accounts", file, "--lease", "2s", "--concurrency", "1", "--batch-size", "5",
                      "--fixed-batch-size", "--claim-loops", "1", "--poll-interval", "0.2"]
        let (victim, _, _) = try Executable.start(common + ["--router-id", "victim"], environment: environment(schema))
        // Watched from a thread of its own: a busy suite can starve the cooperative pool for seconds.
        let pid = victim.processIdentifier
        try await onOwnThread {
            let deadline = ContinuousClock.now + .seconds(60)
            while broker.ledger.count < 7 && ContinuousClock.now < deadline { usleep(5_000) }
            kill(pid, SIGKILL)
        }
        victim.waitUntilExit()
        let taken = broker.ledger.count
        let written = try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS'")
        #expect(taken > written, "the kill came between the broker taking orders and their write-back")
        broker.faults = BrokerFaults()
        let (rescuer, _, err) = try Executable.start(common + ["--router-id", "rescuer", "--exit-when-idle"], environment: environment(schema))
        let (status, log) = try await finish(rescuer, err)
        #expect(status == 0, "\(log)")
        #expect(!log.contains(testBrokerToken))
        let databaseID = try DatabaseIdentity.read(on: connection)
        #expect(broker.ledger.map(\.key).sorted() == ids.map { "\(databaseID):\($0.rawValue):apex-live" }.sorted())
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") == ids.count)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account = 'apex-live'") == ids.count)
        // The orders whose answers died with the victim: those the victim's desk recorded in the
        // order ledger were answered from it, not sent again; those still `sending` there went
        // to the broker again under the same key and came back as replays of the same order.
        let replays = try connection.count("SELECT count(*) AS n FROM execution_logs WHERE router_id = 'rescuer' AND response_body LIKE '%a replay%'")
        let fromLedger = try connection.count(
            "SELECT count(*) AS n FROM execution_logs WHERE router_id = 'rescuer' AND response_body LIKE '%not sent again%'")
        #expect(replays + fromLedger == taken - written && replays + fromLedger > 0, "\(replays) replays, \(fromLedger) from the ledger")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE response_body LIKE '%\(unescaped: testBrokerToken)%'") == 0)
    }

    @Test func aTokenThatCannotBeReadStopsTheStartWithoutSendingAnything() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let broker = try startedSimulator()
        defer { broker.stop() }
        let file = try accountsFile(broker, tokenEnv: "SWITCHYARD_TEST_NO_SUCH_TOKEN")
        defer { unlink(file) }
        try TaskQueue(connection: try schema.connect()).enqueue(try NewTask(tradeID: "T", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON))
        let (router, _, err) = try Executable.start(["router", "--live", "--accounts", file, "--exit-when-idle"],
                                                    environment: environment(schema))
        let (status, log) = try await finish(router, err)
        #expect(status == 1)
        #expect(log.contains("Account apex-live: the environment variable SWITCHYARD_TEST_NO_SUCH_TOKEN"), "\(log)")
        #expect(broker.requestsReceived == 0)
    }

    @Test func aRouterWithoutLiveNeverSendsALiveAccountsOrder() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let broker = try startedSimulator()
        defer { broker.stop() }
        let file = try accountsFile(broker)
        defer { unlink(file) }
        let id = try TaskQueue(connection: connection).enqueue(try NewTask(tradeID: "T", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON))
        let (router, _, err) = try Executable.start(["router", "--accounts", file, "--exit-when-idle"], environment: environment(schema))
        let (status, log) = try await finish(router, err)
        #expect(status == 0, "\(log)")
        #expect(broker.requestsReceived == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE task_id = \(id) AND status = 'SKIPPED' AND account = 'apex-live'") == 1)
    }
}
