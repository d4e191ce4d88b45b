import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine

/// TLS is always verified (docs/router.md, "Live routing"; docs/operations.md, alerts): a real
/// HTTPS server on 127.0.0.1 whose self-signed certificate a client trusting it accepts (the
/// server proves that when it starts) gets neither an order nor an alert, and the message says
/// the certificate is not trusted and how to trust a private CA.
@Suite struct TLSVerificationTests {
    @Test func anOrderToABrokerWithAnUntrustedCertificateIsRetriedAndNothingIsSent() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let connector = try testConnector([liveAccount("apex-1", url: server.url)])
        let result = connector.send(entryOrder(task: 1, account: "apex-1"))
        #expect(result.disposition == .retry(after: nil) && result.code == 0 && result.broker == nil)
        #expect(result.message.hasPrefix("No answer: TLS failed: the server's certificate is not trusted by this machine"))
        #expect(result.message.contains("self-signed certificate") && result.message.contains("update-ca-certificates"))
        #expect(result.message.contains("nothing reached the broker (db-test:1:apex-1)"))
        #expect(!result.message.contains(testBrokerToken))
        #expect(connector.follow("SIM-1", account: "apex-1").message.contains("TLS failed"))
    }

    @Test(.database) func anAlertToAWebhookWithAnUntrustedCertificateIsAFailedDelivery() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let connection = try TestDatabase.makeMigratedSchema().connect()
        try AlertQueries.add(AlertRuleDefinition(name: "dead-letters", condition: .deadOver(0), severity: .critical,
                                                 target: .webhook(parsing: server.url + "/hooks/secret-part")),
                             actor: "test@host", on: connection)
        let id = try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 1)[0])
        try connection.execute("UPDATE execution_tasks SET status = 'DEAD' WHERE id = \(id)")
        var config = AlertDelivery.Config()
        config.timeout = .seconds(5)
        try AlertEvaluator(evaluatorID: "test-router", database: "test").runOnce(on: connection)

        #expect(try AlertDelivery(senderID: "test-router", config: config).runOnce(on: connection).failed.count == 1)
        let failed = try AlertQueries.history(on: connection).filter { $0.event == "delivery_failed" }
        let detail = try #require(failed.first?.detail)
        #expect(failed.count == 1 && detail.contains("Could not post to \(server.url)/…: TLS failed: the server's certificate"))
        #expect(detail.contains("self-signed certificate") && !detail.contains("secret-part"))
        #expect(try AlertQueries.firing(on: connection).first?.failingDeliveries == 1)
    }
}
