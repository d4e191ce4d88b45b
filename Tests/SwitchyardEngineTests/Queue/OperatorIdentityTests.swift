import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine

struct OperatorIdentityTests {
    @Test func theEnvironmentNamesTheUserAndTheSSHClient() {
        let actor = OperatorIdentity.current(environment: ["USER": "alice", "SSH_CONNECTION": "10.0.0.9 5222 10.0.0.1 22"])
        #expect(actor == "alice@\(ProcessInfo.processInfo.hostName) (from 10.0.0.9)")
    }

    @Test func withoutUSERTheEffectiveUserIDsLoginNameIsUsed() throws {
        let (status, output) = try ChildProcess.run(["id", "-un"])
        try #require(status == 0, "id -un failed: \(output)")
        let name = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(OperatorIdentity.current(environment: [:]) == "\(name)@\(ProcessInfo.processInfo.hostName)")
    }
}
