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
        // Ascending from 1. Numbers are handed out before branches merge, so one may wait for a
        // lower one still on its branch (18 before 17); the runner applies them in order.
        #expect(embedded.first?.version == 1 && zip(embedded, embedded.dropFirst()).allSatisfy { $0.version < $1.version })
        for (migration, name) in zip(embedded, names) {
            let up = try String(contentsOf: folder.appendingPathComponent("\(name).up.sql"), encoding: .utf8)
            let down = try String(contentsOf: folder.appendingPathComponent("\(name).down.sql"), encoding: .utf8)
            #expect(migration.up == up && migration.down == down, "\(name)")
        }
    }
}
