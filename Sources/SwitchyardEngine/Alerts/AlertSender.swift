import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why a message did not arrive. The text never holds the webhook's URL beyond its host.
public struct AlertSendFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Sends one message to a target and waits for the answer, at most `timeout`. Blocking: call it
/// from a thread of its own (the delivery worker's), never from a claim loop.
///
/// Webhooks go through Foundation's URLSession (libcurl underneath on Linux), already linked by
/// Foundation: no HTTP library to add (docs/operations.md says what it costs). A 2xx answer is
/// success; anything else, a timeout or a refused connection is a failure to retry.
struct AlertSender: Sendable {
    var timeout: Duration

    func send(_ body: Data, to target: AlertTarget) throws(AlertSendFailure) {
        switch target {
        case .webhook(let url): try post(body, to: url)
        case .command(let command): try run(command, input: body)
        }
    }

    private func post(_ body: Data, to url: URL) throws(AlertSendFailure) {
        let place = AlertTarget.redact(url)
        var request = URLRequest(url: url, timeoutInterval: timeout.seconds)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("switchyard-alerts", forHTTPHeaderField: "User-Agent")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout.seconds
        configuration.timeoutIntervalForResource = timeout.seconds
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let answer = Answer()
        session.dataTask(with: request) { _, response, error in
            answer.set((response as? HTTPURLResponse)?.statusCode, error)
        }.resume()
        // The session's own timeout ends the request; this wait is a second guard.
        guard answer.wait(timeout: timeout + .seconds(5)) else {
            throw AlertSendFailure(message: "No answer from \(place) within \(TimeSpan.format(timeout)).")
        }
        let (status, error) = answer.result
        if let error {
            let code = (error as? URLError)?.code
            let reason = code == .timedOut ? "no answer within \(TimeSpan.format(timeout))"
                : code == .cannotConnectToHost ? "connection refused"
                : code == .cannotFindHost || code == .dnsLookupFailed ? "host not found"
                : code == .secureConnectionFailed || code == .serverCertificateUntrusted ? "TLS failed"
                : "network error \(code.map { String($0.rawValue) } ?? "?")"
            throw AlertSendFailure(message: "Could not post to \(place): \(reason).")
        }
        guard let status, (200..<300).contains(status) else {
            throw AlertSendFailure(message: "\(place) answered HTTP \(status.map(String.init) ?? "?").")
        }
    }

    /// Runs `/bin/sh -c command` with the message on standard input; exit status 0 is success.
    private func run(_ command: String, input: Data) throws(AlertSendFailure) {
        let program = command.split(separator: " ").first.map(String.init) ?? command
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdin = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        // A program that exits without reading its input must not kill this process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        do {
            try process.run()
        } catch {
            throw AlertSendFailure(message: "Could not start /bin/sh to run \(program): \(error.localizedDescription).")
        }
        let errors = ErrorOutput(stderr.fileHandleForReading)
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()
        if exited.wait(timeout: .now() + timeout.seconds) == .timedOut {
            process.terminate()
            _ = exited.wait(timeout: .now() + 2)
            throw AlertSendFailure(message: "\(program) did not finish within \(TimeSpan.format(timeout)); it was stopped.")
        }
        guard process.terminationStatus == 0, process.terminationReason == .exit else {
            let said = errors.text.split(separator: "\n").last.map { ": " + $0.prefix(200) } ?? ""
            throw AlertSendFailure(message: "\(program) exited with status \(process.terminationStatus)\(said).")
        }
    }
}

/// The status and error a URLSession completion hands over from its own queue.
private final class Answer: @unchecked Sendable {
    // Safe because `value` is written once, before `done` is signalled, and read after the wait.
    private let done = DispatchSemaphore(value: 0)
    private var value: (Int?, Error?) = (nil, nil)
    func set(_ status: Int?, _ error: Error?) {
        value = (status, error)
        done.signal()
    }
    func wait(timeout: Duration) -> Bool { done.wait(timeout: .now() + timeout.seconds) == .success }
    var result: (Int?, Error?) { value }
}

/// A command's standard error, read on a thread of its own so a chatty program never blocks.
private final class ErrorOutput: @unchecked Sendable {
    // Safe because `data` is written by the reading thread before `done` is signalled and read after.
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }
    var text: String {
        guard done.wait(timeout: .now() + 1) == .success else { return "" }
        return String(decoding: data.prefix(4096), as: UTF8.self)
    }
}
