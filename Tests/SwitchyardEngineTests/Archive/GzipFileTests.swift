import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine

/// Archive files are plain gzip and plain SHA-256: the system's zcat and sha256sum agree.
struct GzipFileTests {
    let folder = NSTemporaryDirectory() + "switchyard-gzip-\(UInt32.random(in: 0...UInt32.max))"

    @Test func writtenFilesReadBackAndAgreeWithZcatAndSha256sum() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/execution-2024-01.jsonl.gz"
        let lines = (0..<20_000).map { ArchiveLine.task(#"{"id":\#($0),"note":"é \#(String(repeating: "x", count: $0 % 97))"}"#) }
        let writer = try GzipFileWriter(path: path)
        for line in lines { try writer.writeLine(line) }
        let sha256 = try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: DurableFile.temporaryPath(for: path)))

        let read = try ArchiveVerifier.read(path: path)
        #expect(read == .init(tasks: lines.count, logs: 0, bytes: writer.bytesWritten, sha256: sha256))
        let zcat = try ChildProcess.run(["zcat", path])
        #expect(zcat.status == 0 && zcat.output == lines.joined(separator: "\n") + "\n")
        let sum = try ChildProcess.run(["sha256sum", path])
        #expect(sum.output.hasPrefix(sha256 + " "))

        // Cut short: an error that says so, not a short count.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        #expect(throws: ArchiveError.self) { try ArchiveVerifier.read(path: path) }
    }
}
