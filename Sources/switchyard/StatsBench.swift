import Foundation
import SwitchyardEngine

/// `switchyard stats --bench N`: the median time of N snapshots and of each of their parts,
/// once reading the whole hour of rates every time (as `stats` does) and once with the rates
/// cache a dashboard keeps.
enum StatsBench {
    static func run(_ queries: MonitorQueries, on connection: PGConnection, filter: TaskFilter, now: Date?, runs: Int) throws {
        var cached = queries
        cached.ratesCache = RatesCache()
        // What a one-shot `switchyard stats` pays on a new connection (the server's caches cold).
        let clock = ContinuousClock()
        let start = clock.now
        _ = try queries.timedSnapshot(on: connection, filter: filter, now: now)
        print("first snapshot         \(median([clock.now - start]))   (new connection: server caches cold)")
        for (title, queries) in [("no rates cache (switchyard stats)", queries), ("with a RatesCache, as the dashboard keeps one", cached)] {
            // One snapshot first, so the caches are as warm as a dashboard refreshing every second keeps them.
            let (warm, _) = try queries.timedSnapshot(on: connection, filter: filter, now: now)
            var wholes: [Duration] = []
            var parts: [SnapshotPart: [Duration]] = [:]
            let clock = ContinuousClock()
            for _ in 0..<max(1, runs) {
                let start = clock.now
                let (_, durations) = try queries.timedSnapshot(on: connection, filter: filter, now: now)
                wholes.append(clock.now - start)
                for (part, duration) in durations { parts[part, default: []].append(duration) }
            }
            print("whole snapshot         \(median(wholes))   (median of \(wholes.count), warm; \(title))")
            for part in SnapshotPart.allCases {
                let note = warm.unavailable[part.rawValue].map { "   unavailable: \($0)" } ?? ""
                print("  " + part.jsonKey.padding(toLength: 20, withPad: " ", startingAt: 0) + " \(median(parts[part] ?? [.zero]))\(note)")
            }
            if let queue = warm.queue, queries.ratesCache == nil {
                let counts = TaskStatus.known.map { "\($0.rawValue) \(queue.estimated.contains($0) ? "~" : "")\(queue.count($0))" }
                print("queue: " + counts.joined(separator: ", ") + "; lag "
                      + (queue.oldestEligibleAge.map { String(format: "%.1f s", $0) } ?? "none"))
                if let rates = warm.rates {
                    print("last hour: \(rates.lastHourSucceeded) attempts succeeded, "
                          + "\(rates.lastHourFailed) failed")
                }
            }
            print()
        }
    }

    private static func median(_ values: [Duration]) -> String {
        let sorted = values.sorted()
        return String(format: "%8.2f ms", Double(sorted[sorted.count / 2] / .microseconds(1)) / 1000)
    }
}
