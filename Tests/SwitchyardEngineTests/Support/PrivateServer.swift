import Foundation
import Testing
import SwitchyardTestSupport
import SwitchyardEngine

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

/// A private cluster that can be frozen as a hung host or a network black hole behaves: SIGSTOP
/// on the postmaster and all its children, so connections stay open and nothing answers.
/// Never the shared test server: other tests run against it in parallel.
///
/// `thaw()` sends SIGCONT; call it on every exit path (`defer`), a failing test included, and
/// before `destroy()` (a frozen server would hold pg_ctl's stop).
final class FreezableServer: @unchecked Sendable {   // used by one test at a time
    let directory: String
    let url: String
    let environment: [String: String]
    private var frozen: [Int32] = []

    init(_ prefix: String) throws {
        (directory, url, environment) = try PrivateServer.startMigrated(prefix)
    }

    /// The postmaster's pid, from `postmaster.pid` in the cluster's data folder.
    func postmasterPID() throws -> Int32 {
        let home = (try? String(contentsOfFile: directory + "/location", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? directory
        let text = try String(contentsOfFile: home + "/data/postmaster.pid", encoding: .utf8)
        guard let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }) else {
            throw DatabaseError(message: "No pid in \(home)/data/postmaster.pid")
        }
        return pid
    }

    /// Stops the postmaster first (so it starts no new child), then every child it has.
    func freeze() throws {
        let postmaster = try postmasterPID()
        kill(postmaster, SIGSTOP)
        frozen = [postmaster]
        let (_, children) = try ChildProcess.run(["pgrep", "-P", "\(postmaster)"])
        for child in children.split(separator: "\n").compactMap({ Int32($0) }) {
            kill(child, SIGSTOP)
            frozen.append(child)
        }
    }

    /// SIGCONT to everything `freeze` stopped; harmless when nothing is frozen.
    func thaw() {
        for pid in frozen.reversed() { kill(pid, SIGCONT) }
        frozen = []
    }

    /// Thaws, then stops the cluster and removes its folder.
    func destroy() {
        thaw()
        _ = try? PrivateServer.pg("destroy", directory)
    }

    deinit { thaw() }
}
