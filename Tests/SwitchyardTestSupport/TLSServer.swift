import Foundation

/// A real HTTPS server on 127.0.0.1: `openssl s_server -www` with a self-signed certificate made
/// for the test in a folder of its own, on a port the kernel picks. Its certificate is valid for
/// 127.0.0.1, so a client that trusted `caFile` would get through; nothing on the machine
/// trusts it, so a client that verifies must refuse it. `stop()` ends it and removes the folder.
public final class TLSServer {
    public let directory: String
    public private(set) var port: UInt16 = 0
    /// The certificate a client would have to trust (the self-signed one itself).
    public var caFile: String { directory + "/cert.pem" }
    public var url: String { "https://127.0.0.1:\(port)" }
    private let process = Process()

    public init() throws {
        directory = NSTemporaryDirectory() + "switchyard-tls-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", directory + "/key.pem", "-out", caFile, "-days", "2", "-subj", "/CN=127.0.0.1",
                         "-addext", "subjectAltName=IP:127.0.0.1"])
            try start()
        } catch {
            stop()
            throw error
        }
    }

    /// Starts s_server on port 0, reads the port it says it accepts on, then proves it serves
    /// TLS: `openssl s_client` trusting the certificate completes a handshake with it.
    private func start() throws {
        let log = directory + "/log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_server", "-accept", "127.0.0.1:0", "-cert", caFile, "-key", directory + "/key.pem", "-www"]
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while port == 0 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT 127.0.0.1:") }),
               let number = UInt16(line.dropFirst("ACCEPT 127.0.0.1:".count)) {
                port = number
            } else if !process.isRunning || ContinuousClock.now > deadline {
                throw ChildProcessError(description: "openssl s_server did not start: \(text)")
            } else {
                usleep(20_000)
            }
        }
        try openssl(["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", caFile, "-verify_return_error",
                     "-verify_ip", "127.0.0.1"])
    }

    public func stop() {
        // SIGKILL, not terminate(): the child inherits the test's mask, which blocks SIGTERM.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func openssl(_ arguments: [String]) throws {
        let (status, output) = try ChildProcess.run(["openssl"] + arguments)
        guard status == 0 else { throw ChildProcessError(description: "openssl \(arguments[0]) failed (\(status)): \(output)") }
    }
}
