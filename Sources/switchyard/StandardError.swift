import Glibc

/// Writes to stderr, ignoring a failed write: it does fail when stderr is a terminal that hung
/// up (a dropped SSH session), and the dashboard and the router must then stop cleanly, not
/// crash while saying goodbye.
func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// Everything on standard input until end of file (`--file -`).
func readStandardInput() -> [UInt8] {
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return data }
        data += buffer[..<count]
    }
}
