import FoundationEssentials
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
                let name = part.jsonKey + String(repeating: " ", count: max(0, 20 - part.jsonKey.count))
                print("  " + name + " \(median(parts[part] ?? [.zero]))\(note)")
            }
            if let queue = warm.queue, queries.ratesCache == nil {
                let counts = TaskStatus.known.map { "\($0.rawValue) \(queue.estimated.contains($0) ? "~" : "")\(queue.count($0))" }
                print("queue: " + counts.joined(separator: ", ") + "; lag "
                      + (queue.oldestEligibleAge.map { decimalText($0, places: 1) + " s" } ?? "none"))
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
        let text = decimalText(Double(sorted[sorted.count / 2] / .microseconds(1)) / 1000, places: 2)
        return String(repeating: " ", count: max(0, 8 - text.count)) + text + " ms"
    }
}
