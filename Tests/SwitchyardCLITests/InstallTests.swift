import Foundation
import SwitchyardTestSupport
import Testing

/// `make install` and `make uninstall` into a throwaway DESTDIR, with the debug build already
/// there (SWITCHYARD_BIN) so no release build runs.
struct InstallTests {
    @Test func installPutsEveryFileInPlaceAndUninstallRemovesExactlyThose() throws {
        let destdir = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-install-\(getpid())")
        defer { try? FileManager.default.removeItem(at: destdir) }
        let prefix = "/opt/switchyard-test"
        let root = destdir.path + prefix
        // Files that were there before: uninstall must leave them.
        let strangers = ["bin/other-tool", "share/man/man1/other-tool.1", "lib/systemd/system/other.service"]
        for file in strangers {
            let url = URL(fileURLWithPath: root + "/" + file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("keep\n".utf8).write(to: url)
        }

        let install = try make("install", destdir: destdir.path, prefix: prefix)
        try #require(install.status == 0, "\(install.output)")

        let pages = try FileManager.default.contentsOfDirectory(atPath: SwitchyardBinary.packageRoot.appendingPathComponent("docs/man").path)
            .filter { $0.hasSuffix(".1") }
        let installed = ["bin/switchyard",
                         "share/bash-completion/completions/switchyard",
                         "share/zsh/site-functions/_switchyard",
                         "share/fish/vendor_completions.d/switchyard.fish",
                         "lib/systemd/system/switchyard-router.service"] + pages.map { "share/man/man1/" + $0 }
        #expect(try files(under: root) == Set(installed + strangers))
        #expect(FileManager.default.isExecutableFile(atPath: root + "/bin/switchyard"))
        #expect(try String(contentsOfFile: root + "/share/man/man1/switchyard.1", encoding: .utf8).contains(".Nm switchyard"))
        let bash = try String(contentsOfFile: root + "/share/bash-completion/completions/switchyard", encoding: .utf8)
        #expect(bash.contains("complete") && bash.contains("switchyard"), "\(bash.prefix(300))")
        let zsh = try String(contentsOfFile: root + "/share/zsh/site-functions/_switchyard", encoding: .utf8)
        #expect(zsh.hasPrefix("#compdef switchyard"), "\(zsh.prefix(300))")
        let fish = try String(contentsOfFile: root + "/share/fish/vendor_completions.d/switchyard.fish", encoding: .utf8)
        #expect(fish.contains("complete -c 'switchyard'"), "\(fish.prefix(300))")
        // The unit starts the binary where it was installed (DESTDIR is only the staging root).
        let unit = try String(contentsOfFile: root + "/lib/systemd/system/switchyard-router.service", encoding: .utf8)
        let execStart = unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }
        #expect(execStart == ["ExecStart=\(prefix)/bin/switchyard router --metrics-listen 127.0.0.1:9464 --log-format json"])

        let uninstall = try make("uninstall", destdir: destdir.path, prefix: prefix)
        try #require(uninstall.status == 0, "\(uninstall.output)")
        #expect(try files(under: root) == Set(strangers))
    }

    private func make(_ target: String, destdir: String, prefix: String) throws -> (status: Int32, output: String) {
        try ChildProcess.run(["make", "-s", "-C", SwitchyardBinary.packageRoot.path, target,
                              "DESTDIR=\(destdir)", "PREFIX=\(prefix)", "SWITCHYARD_BIN=\(SwitchyardBinary.path)"])
    }

    /// Every file (not folder) under `root`, as paths relative to it.
    private func files(under root: String) throws -> Set<String> {
        var found = Set<String>()
        let walker = try #require(FileManager.default.enumerator(atPath: root))
        while let path = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isFolder), !isFolder.boolValue {
                found.insert(path)
            }
        }
        return found
    }
}
