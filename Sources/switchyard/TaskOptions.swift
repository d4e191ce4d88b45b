import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

/// The task options `enqueue` and `schedules add|change` share: what kind of task, its payload,
/// and its attempts budget, checked the same way for both.
struct TaskOptions: ParsableArguments {
    @Option(help: "ENTRY or EXIT.")
    var eventType: EventType?

    @Option(help: ArgumentHelp("The payload, a JSON object (see docs/router.md for the fields).", valueName: "json"))
    var payload: String?

    @Option(help: "Attempts before a task is FAILED (default 5).")
    var maxAttempts: Int?

    func validate() throws {
        if let maxAttempts, maxAttempts < 1 { throw ValidationError("--max-attempts must be 1 or more.") }
    }

    /// Checks `payload` for `eventType` as a router would read it; the error names the field.
    static func check(payload: String, eventType: EventType, context: String = "") throws {
        do {
            _ = try TaskPayload.parse(payload, eventType: eventType)
        } catch let error as PayloadError {
            throw PayloadRefused(context: context, error: error)
        }
    }
}

/// A payload a router could not use, refused before anything is written: what is wrong, and
/// where the fields are described.
struct PayloadRefused: Error, CustomStringConvertible {
    var context: String
    var error: PayloadError
    var description: String {
        "\(context)The payload cannot be routed: \(error.message) Nothing was written; the fields are described in docs/router.md, \"Payloads\"."
    }
}

/// When a task or a schedule's first run starts: `--at`, `--in`, and the zone of wall-clock times.
struct StartOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run at this time: HH:MM today, an ISO 8601 time (2026-11-30T15:55, 2026-11-30T15:55:00Z), or now.",
                               valueName: "time"))
    var at: String?

    @Option(name: .customLong("in"), help: ArgumentHelp("Run after this long: 90s, 15m, 2h.", valueName: "duration"),
            transform: TimeSpan.argument)
    var after: TimeSpan?

    func validate() throws {
        if at != nil, after != nil { throw ValidationError("Give --at or --in, not both.") }
        if let after, after.duration <= .zero { throw ValidationError("--in takes a duration above 0, e.g. 90s or 15m.") }
    }

    /// The start, resolved on the database's clock in `zone`; nil for now.
    func start(zone: String?, on connection: PGConnection) throws -> TaskStart? {
        if let after { return .after(after.duration) }
        guard let at, at.lowercased() != "now" else { return nil }
        let clock = try ZonedClock(identifier: zone ?? ZoneRules.localIdentifier)
        let now = try ScheduleBook.databaseNow(connection)
        let time: Date
        do {
            time = try TimeText.parse(at, clock: clock, now: now)
        } catch let error as ScheduleError {
            throw ValidationError("--at: \(error.message)")
        }
        guard time > now else {
            throw ScheduleError("--at \(at) is \(timeText(time)), not in the future by the database's clock (now \(timeText(now))). Give a later time, a date (2026-12-01T\(at.count == 5 ? at : "09:30")), or --at now.")
        }
        return .at(time)
    }
}
