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

    /// A cluster started in a new folder under the temporary directory and migrated; the caller
    /// destroys it (`pg("destroy", directory)`). `environment` runs `switchyard` against it.
    static func startMigrated(_ prefix: String) throws -> (directory: String, url: String, environment: [String: String]) {
        let directory = NSTemporaryDirectory() + "switchyard-\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        let url = try pg("start", directory)
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = url
        #expect(try Executable.run(["migrate"], environment: environment).status == 0)
        return (directory, url, environment)
    }
}
