import Foundation
import Testing
@testable import SwitchyardEngine

/// A server that stops answering (SIGSTOP on a private cluster, as a hung host or a network
/// black hole behaves): every wait for it ends at its deadline with the no-answer error, closing
/// never waits on it, and once it answers again the client carries on by itself. The bounds
/// asserted are generous limits on a condition, not measured speeds.
@Suite(.database, .serialized) struct UnansweringServerTests {
    @Test(.timeLimit(.minutes(2)))
    func aStatementToAFrozenServerFailsWithTheNoAnswerErrorWithinItsDeadline() throws {
        let server = try FreezableServer("frozen-query")
        defer { server.destroy() }
        defer { server.thaw() }
        let connection = try PGConnection(settings: ConnectionSettings(conninfo: server.url, answerDeadline: .seconds(1)))
        #expect(try connection.execute("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)

        try server.freeze()
        let asked = ContinuousClock.now
        let error = try #require(throws: DatabaseError.self) { try connection.execute("SELECT 1 AS one") }
        let waited = asked.duration(to: .now)
        #expect(error.isNoAnswer)
        #expect(error.noAnswerAfter.map { $0 >= .seconds(1) } == true)
        #expect(error.isConnectionLost, "callers that reconnect on a lost connection reconnect")
        #expect(error.message.contains("did not answer within 1s"), "\(error)")
        #expect(waited < .seconds(5), "waited \(waited)")
        // Abandoned: the connection says so at once instead of waiting again.
        #expect(!connection.isConnected)
        #expect(throws: DatabaseError.self) { try connection.execute("SELECT 1 AS one") }

        // A new connection to the frozen server gives up within the same deadline.
        let connecting = ContinuousClock.now
        let refused = try #require(throws: DatabaseError.self) {
            try PGConnection(settings: ConnectionSettings(conninfo: server.url, answerDeadline: .seconds(1)))
        }
        #expect(refused.isNoAnswer, "\(refused)")
        #expect(refused.message.contains("while connecting"), "\(refused)")
        #expect(connecting.duration(to: .now) < .seconds(5))
    }

    @Test(.timeLimit(.minutes(2)))
    func closingAClientNeverWaitsOnAHungCallAndItReconnectsOnceTheServerAnswers() async throws {
        let server = try FreezableServer("frozen-client")
        defer { server.destroy() }
        defer { server.thaw() }
        // No deadline at all: only `close()` can end the hung call.
        let client = try await DatabaseClient.connect(ConnectionSettings(conninfo: server.url, answerDeadline: nil))
        try server.freeze()
        let hung = Task {
            try await client.withConnection { try $0.execute("SELECT 42 AS answer").first?.decode("answer", as: Int.self) }
        }
        try await Task.sleep(for: .milliseconds(300))
        let closing = ContinuousClock.now
        client.close()
        #expect(closing.duration(to: .now) < .seconds(1), "close() waited on the hung call")
        // The hung call ends once closed; its task then needs a thread of this test process's
        // cooperative pool to finish, which the other tests' synchronous waits can hold for
        // seconds on a loaded machine: the bound tells "ended" from "waits for the server".
        let outcome = await hung.result
        #expect(closing.duration(to: .now) < .seconds(15))
        let error = try #require(throws: DatabaseError.self) { try outcome.get() }
        #expect(error.isNoAnswer, "\(error)")

        server.thaw()
        let answer = try await client.withConnection {
            try $0.execute("SELECT 42 AS answer").first?.decode("answer", as: Int.self)
        }
        #expect(answer == 42)
        client.close()
    }

    @Test(.timeLimit(.minutes(2)))
    func aClientWithADeadlineReportsNoAnswerThenAnswersAgainAfterTheServerResumes() async throws {
        let server = try FreezableServer("frozen-resume")
        defer { server.destroy() }
        defer { server.thaw() }
        let client = try await DatabaseClient.connect(ConnectionSettings(conninfo: server.url, answerDeadline: .seconds(1)))
        defer { client.close() }
        try server.freeze()
        for _ in 0..<2 {
            // The statement, then a connect that the frozen server never answers either.
            let error = try await #require(throws: DatabaseError.self) {
                try await client.withConnection { try $0.execute("SELECT 1 AS one") }
            }
            #expect(error.isNoAnswer, "\(error)")
        }
        server.thaw()
        // The backoff after the failed connect is at most 2 s: poll for the first answer.
        let resumed = ContinuousClock.now
        var answer: Int?
        while answer == nil, resumed.duration(to: .now) < .seconds(20) {
            answer = try? await client.withConnection {
                try $0.execute("SELECT 7 AS seven").first?.decode("seven", as: Int.self)
            }
            if answer == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(answer == 7)
    }
}
