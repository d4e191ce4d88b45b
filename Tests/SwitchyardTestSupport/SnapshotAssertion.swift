import Foundation
import Testing

/// Compares text with `Snapshots/<name>.txt` in the folder of the calling test file (dashboard
/// frames, command help). With SWITCHYARD_RECORD_SNAPSHOTS=1, or when the file does not exist
/// yet, writes it and fails, so no snapshot is accepted unreviewed.
public func assertSnapshot(_ text: String, named name: String, filePath: String = #filePath,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let folder = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = folder.appendingPathComponent(name + ".txt")
    let recording = ProcessInfo.processInfo.environment["SWITCHYARD_RECORD_SNAPSHOTS"] == "1"
    let expected = try? String(contentsOf: file, encoding: .utf8)
    if recording || expected == nil {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try (text + "\n").write(to: file, atomically: true, encoding: .utf8)
        Issue.record("Recorded \(file.path); review it, then run the test again.", sourceLocation: sourceLocation)
        return
    }
    #expect(expected == text + "\n", "text differs from \(name).txt:\n\(text)", sourceLocation: sourceLocation)
}
