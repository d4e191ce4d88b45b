import Testing

/// Polls `condition` every 20 ms until it holds, recording an issue that names `what` when it
/// still does not after `limit`. `Task.sleep` between polls: the cooperative pool (two threads
/// here) stays free for the tests running beside. The one helper of its kind for new tests.
public func waitUntil(_ what: String, within limit: Duration = .seconds(30),
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("not within \(limit): \(what)", sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
