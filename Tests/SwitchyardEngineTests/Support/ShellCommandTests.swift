import SwitchyardEngine
import Testing

/// `/bin/sh -c` with input and a deadline, as an alert's `--command` runs: real programs.
struct ShellCommandTests {
    @Test func theProgramReadsItsInputAndItsStatusAndStandardErrorComeBack() {
        let outcome = ShellCommand.run(#"read line; echo "got $line" >&2; exit 3"#, input: Array("hello\n".utf8),
                                       timeout: .seconds(10))
        #expect(outcome == .exited(status: 3, standardError: "got hello\n"))
    }

    /// A program that exits without reading a large input: no SIGPIPE kills this process.
    @Test func aProgramThatIgnoresItsInputDoesNotHurtTheCaller() {
        let outcome = ShellCommand.run("exit 0", input: [UInt8](repeating: 65, count: 4 << 20), timeout: .seconds(10))
        #expect(outcome == .exited(status: 0, standardError: ""))
    }

    @Test func aProgramPastItsDeadlineIsStopped() {
        let started = ContinuousClock.now
        #expect(ShellCommand.run("sleep 30", input: [], timeout: .milliseconds(300)) == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aSignalIsReportedAsOne() {
        #expect(ShellCommand.run("kill -TERM $$", input: [], timeout: .seconds(10)) == .signalled(15, standardError: ""))
    }
}
