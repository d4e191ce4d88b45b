import CCurl
import FoundationEssentials
import Glibc

/// Why a message did not arrive. The text never holds the webhook's URL beyond its host.
public struct AlertSendFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Sends one message to a target and waits for the answer, at most `timeout`. Blocking: call it
/// from a thread of its own (the delivery worker's), never from a claim loop.
///
/// Webhooks go through libcurl, loaded when the first one is sent (`swy_http_post`), so a
/// process that sends none maps none of it; commands run through `ShellCommand`. A 2xx answer
/// is success; anything else, a timeout or a refused connection is a failure to retry.
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
        let headers = ["Content-Type: application/json", "User-Agent: switchyard-alerts"]
        var status = 0
        var message = [CChar](repeating: 0, count: 256)
        let outcome = body.withUnsafeBytes { bytes in
            withCStrings(headers) { lines in
                swy_http_post(url.absoluteString, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count,
                              lines, Int32(headers.count), Int(timeout.milliseconds), &status, &message, message.count)
            }
        }
        let said = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let (failure, _) = HTTPClient.Failure.of(swy_post_failure(rawValue: UInt32(outcome)), message: said, timeout: timeout) else {
            guard (200..<300).contains(status) else { throw AlertSendFailure(message: "\(place) answered HTTP \(status).") }
            return
        }
        throw AlertSendFailure(message: "Could not post to \(place): \(failure).")
    }

    /// Runs `/bin/sh -c command` with the message on standard input; exit status 0 is success.
    private func run(_ command: String, input: Data) throws(AlertSendFailure) {
        let program = command.split(separator: " ").first.map(String.init) ?? command
        switch ShellCommand.run(command, input: Array(input), timeout: timeout) {
        case .exited(status: 0, _):
            return
        case .exited(let status, let errors), .signalled(let status, let errors):
            let said = errors.split(separator: "\n").last.map { ": " + $0.prefix(200) } ?? ""
            throw AlertSendFailure(message: "\(program) exited with status \(status)\(said).")
        case .timedOut:
            throw AlertSendFailure(message: "\(program) did not finish within \(TimeSpan.format(timeout)); it was stopped.")
        case .notStarted(let reason):
            throw AlertSendFailure(message: "Could not start /bin/sh to run \(program): \(reason).")
        }
    }
}
