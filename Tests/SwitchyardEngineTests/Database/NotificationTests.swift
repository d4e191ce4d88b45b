import Foundation
import Testing
@testable import SwitchyardEngine

@Suite(.database) struct NotificationTests {
    @Test func aNotificationFromAnotherConnectionWakesTheWaiter() async throws {
        let schema = try TestDatabase.makeSchema()
        let channel = "wake_" + schema.name
        let listener = try schema.connect()
        try listener.listen(channel)
        // The sender runs on a thread of its own: this test blocks a thread of the cooperative pool
        // (2 here) while it waits, and with other tests blocking the other one, a Task could not
        // run before the timeout (see PITFALLS.md).
        let sent = DispatchSemaphore(value: 0)
        Thread {
            Thread.sleep(forTimeInterval: 0.1)
            _ = try? schema.connect().execute("SELECT pg_notify(\(channel), 'hello')")
            sent.signal()
        }.start()
        let started = ContinuousClock.now
        let notification = try listener.waitForNotification(timeout: .seconds(10))
        sent.wait()
        #expect(notification?.channel == channel)
        #expect(notification?.payload == "hello")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aTimeoutReturnsWithoutANotification() throws {
        let schema = try TestDatabase.makeSchema()
        let listener = try schema.connect()
        try listener.listen("quiet_" + schema.name)
        let started = ContinuousClock.now
        #expect(try listener.waitForNotification(timeout: .milliseconds(200)) == nil)
        #expect(ContinuousClock.now - started >= .milliseconds(200))
    }

    @Test func channelNamesAreIdentifiersOnly() throws {
        let listener = try TestDatabase.makeSchema().connect()
        #expect(throws: DatabaseError.self) { try listener.listen("x; DROP TABLE y") }
    }
}
