import Foundation

/// Where the built `switchyard` binary is, for tests that run it as an operator would:
/// `SWITCHYARD_BIN` when set, else the debug build in this package's `.build/`.
public enum SwitchyardBinary {
    /// The package's root folder (scripts/, Resources/, .build/).
    public static let packageRoot = URL(fileURLWithPath: #filePath)  // Tests/SwitchyardTestSupport/SwitchyardBinary.swift
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var path: String {
        ProcessInfo.processInfo.environment["SWITCHYARD_BIN"] ?? packageRoot.appendingPathComponent(".build/debug/switchyard").path
    }
}
