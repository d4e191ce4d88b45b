import Glibc
import SwitchyardEngine

/// `monitor --live`'s question at start: the operator types the word LIVE, exactly, on the
/// terminal before the screen opens and before the embedded router claims anything. Anything
/// else, no answer, or no terminal to ask on refuses (exit 1); nothing has routed by then.
enum LiveConfirmation {
    /// The word to type.
    static let word = "LIVE"

    /// Asks; returns when the operator typed LIVE, else throws a `CommandFailure` saying why.
    /// `isTerminal` and `readAnswer` are the process's own unless a test gives others.
    static func ask(liveAccounts: [String], isTerminal: Bool = isatty(STDIN_FILENO) == 1,
                    readAnswer: () -> String? = { readLine(strippingNewline: true) }) throws {
        guard isTerminal else {
            throw CommandFailure("""
                Not routing live: standard input is not a terminal, so nobody can type \(word) to confirm.
                Run `switchyard monitor --live` in a terminal, or run `switchyard router --live` as a service.
                """)
        }
        print(question(liveAccounts: liveAccounts), terminator: "")
        fflush(nil)  // print buffers stdout; the question must show before the answer is read
        guard let answer = readAnswer() else {
            throw CommandFailure("Not routing live: no answer was typed.\n\(advice)")
        }
        // A terminal in raw-ish modes may leave a carriage return; nothing else is forgiven.
        let typed = answer.hasSuffix("\r") ? String(answer.dropLast()) : answer
        guard typed == word else {
            let shown = typed.isEmpty ? "nothing" : "\"\(typed.prefix(40))\""
            throw CommandFailure("Not routing live: \(shown) was typed, not \(word).\n\(advice)")
        }
    }

    /// What the operator is asked, naming the accounts that will get real orders.
    static func question(liveAccounts: [String]) -> String {
        // Never empty: `monitor --live` refuses an accounts file without a live account first.
        let accounts = "This dashboard's router will send REAL orders to \(liveAccounts.count) live account"
            + "\(liveAccounts.count == 1 ? "" : "s") (\(liveAccounts.joined(separator: ", "))) through their brokers."
        return accounts + "\nType \(word) to route them, anything else to stop: "
    }

    private static let advice = "Start again and type \(word) (in capitals) to route live accounts, or start without --live to route dry-run only."
}
