import Foundation
import SwitchyardResources
import Testing

/// The migration list is written twice (Package.swift embeds the files; SwitchyardResources
/// names each one's embedded text, which the compiler checks exist): both must be exactly the
/// files in Resources/migrations, so a file added to the folder and to neither list fails here.
struct EmbeddedMigrationsTests {
    @Test func everyMigrationFileIsEmbeddedOnceInOrderWithItsText() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../Resources/migrations").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let embedded = SwitchyardResources.migrations
        let names = embedded.map { String(repeating: "0", count: max(0, 4 - "\($0.version)".count)) + "\($0.version)_\($0.name)" }
        #expect(files == names.flatMap { ["\($0).down.sql", "\($0).up.sql"] })
        // Ascending and unique; numbers may be reserved for migrations written on other branches.
        let versions = embedded.map(\.version)
        #expect(versions.first == 1 && zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 })
        for (migration, name) in zip(embedded, names) {
            let up = try String(contentsOf: folder.appendingPathComponent("\(name).up.sql"), encoding: .utf8)
            let down = try String(contentsOf: folder.appendingPathComponent("\(name).down.sql"), encoding: .utf8)
            #expect(migration.up == up && migration.down == down, "\(name)")
        }
    }
}
