import Foundation
import Testing
@testable import SwitchyardEngine

/// `switchyard --version`: the release and the newest migration this build knows.
struct VersionTests {
    @Test func versionPrintsTheReleaseAndTheNewestMigration() throws {
        let output = try Executable.run(["--version"], environment: TaskFilterArgumentsTests.environment)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == "switchyard \(SwitchyardVersion.release) (schema \(Migrator().latestVersion))\n")
        #expect(output.stdout.wholeMatch(of: /switchyard \d+\.\d+\.\d+ \(schema \d+\)\n/) != nil, "\(output.stdout)")
    }

    /// The schema number comes from the migration list, so a new migration file (and its entry in
    /// the list) moves it without a second number to edit.
    @Test func theSchemaNumberIsTheNewestMigrationFile() throws {
        let folder = Executable.packageRoot.appendingPathComponent("Resources/migrations")
        let newest = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".up.sql") }.compactMap { Int($0.prefix(while: \.isNumber)) }.max()
        #expect(SwitchyardVersion.schema == newest)
        #expect(SwitchyardVersion.description == "switchyard \(SwitchyardVersion.release) (schema \(try #require(newest)))")
    }
}
