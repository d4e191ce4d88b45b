import Foundation

/// Writes to stderr, ignoring a failed write. FileHandle's `write(_:)` traps when the write
/// fails, and it does fail when stderr is a terminal that hung up (a dropped SSH session):
/// the dashboard and the router must then stop cleanly, not crash while saying goodbye.
func writeToStandardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}
