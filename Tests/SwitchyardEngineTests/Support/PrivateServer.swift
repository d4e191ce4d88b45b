import Foundation
import Testing
import SwitchyardTestSupport

/// A PostgreSQL cluster of a test's own, through `scripts/pg.sh`, for tests that stop,
/// restart or crash their server (the shared test server stays up for the others).
enum PrivateServer {
    /// `scripts/pg.sh ACTION DIR` (start, stop, crash, destroy); returns the URL it prints on start.
    @discardableResult
    static func pg(_ action: String, _ directory: String) throws -> String {
        let (status, output) = try ChildProcess.run([Executable.packageRoot.appendingPathComponent("scripts/pg.sh").path,
                                                     action, directory])
        #expect(status == 0, "pg.sh \(action): \(output)")
        return output.split(separator: "\n").last(where: { $0.hasPrefix("postgresql://") }).map(String.init) ?? ""
    }
}
