import Foundation
import SwitchyardTestSupport
import Testing

/// Runs the built `switchyard` binary, as an operator or a script would.
enum Executable {
    /// The package's root folder (scripts/, .build/).
    static let packageRoot = SwitchyardBinary.packageRoot
    static var path: String { SwitchyardBinary.path }

    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `switchyard` with the arguments; the caller waits on or signals the process.
    /// `launcher` runs it through another program first (`["/usr/bin/faketime", "-f", "+60s"]`).
    static func start(_ arguments: [String], environment: [String: String], launcher: [String] = []) throws
        -> (Process, Pipe, Pipe)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher.first ?? path)
        process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [path] + arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// `run` on a thread of its own: awaiting it leaves Swift's cooperative pool (two threads
    /// here) free for the tests running beside it, whose polling loops would otherwise stall.
    static func runOffPool(_ arguments: [String], environment: [String: String]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try run(arguments, environment: environment) }) }.start()
        }
    }

    /// Runs `switchyard` to completion and returns its exit status and output.
    ///
    /// Both pipes are drained at once: reading stdout to its end first would hang as soon as
    /// the child filled the stderr pipe (64 KiB) and blocked writing to it.
    static func run(_ arguments: [String], environment: [String: String]) throws -> Output {
        let (process, out, err) = try start(arguments, environment: environment)
        let stderr = BackgroundRead(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr.wait(), as: UTF8.self))
    }
}

/// Reads a file handle to its end on a thread of its own.
private final class BackgroundRead: @unchecked Sendable {
    // Safe to share: the thread writes `data` once, before signalling `done`; `wait()` reads it
    // only after `done` is signalled.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    /// Everything read, once the writer closed its end.
    func wait() -> Data {
        done.wait()
        return data
    }
}

/// Waits for `process` to exit; terminates it and records an issue when it overstays `limit`.
func waitForExit(_ process: Process, limit: Duration = .seconds(90)) async throws -> Int32 {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
        if ContinuousClock.now > deadline {
            process.terminate()
            Issue.record("switchyard did not exit within \(limit)")
            break
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    process.waitUntilExit()
    return process.terminationStatus
}
