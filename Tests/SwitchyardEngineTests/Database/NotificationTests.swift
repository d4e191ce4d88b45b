import Foundation
import Testing
@testable import SwitchyardEngine

@Suite(.database) struct NotificationTests {
    @Test func aNotificationFromAnotherConnectionWakesTheWaiter() throws {
        let schema = try TestDatabase.makeSchema()
        let channel = "wake_" + schema.name
        let listener = try schema.connect()
        try listener.listen(channel)
        // The sender runs on a dispatch thread, not a Swift task: the wait below blocks this
        // thread, and under a busy test run the cooperative pool may have no other to give.
        let sent = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) {
            defer { sent.signal() }
            _ = try? schema.connect().execute("SELECT pg_notify(\(channel), 'hello')")
        }
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
