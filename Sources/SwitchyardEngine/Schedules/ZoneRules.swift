import FoundationEssentials
import Glibc

/// A time zone's offsets from UTC, read from the system's tz database: the TZif file of an IANA
/// name under /usr/share/zoneinfo (RFC 8536), its transitions, then the POSIX TZ rule of its
/// footer for instants after the last one.
///
/// Not Foundation's `TimeZone`: that needs `FoundationInternationalization` and ICU, about
/// 2 MiB resident in every process that links them, dashboards included (docs/performance.md).
/// The tz database is what ICU's zones come from too; a test compares the two.
public struct ZoneRules: Sendable, Equatable {
    public let identifier: String
    /// Instants (seconds since 1970, UTC) where the offset changes, ascending.
    let transitions: [Int64]
    /// The offset in effect from `transitions[i]` on.
    let offsets: [Int]
    /// The offset before the first transition.
    let initialOffset: Int
    /// The rule after the last transition; nil when the file has none.
    let rule: PosixZoneRule?

    static let folder = "/usr/share/zoneinfo/"

    /// Zones read so far: a scheduler decodes every due cron schedule's zone on every pass.
    private static let cache = Lock()
    nonisolated(unsafe) private static var read: [String: ZoneRules] = [:]   // only under `cache`

    /// The rules of `identifier` ("Europe/London", "UTC"); nil when no such zone is installed.
    public init?(identifier: String) {
        if let known = Self.cache.withLock({ Self.read[identifier] }) {
            self = known
            return
        }
        guard !identifier.isEmpty, !identifier.hasPrefix("/"), !identifier.split(separator: "/").contains(".."),
              let data = FileManager.default.contents(atPath: Self.folder + identifier),
              let parsed = Self.parse([UInt8](data)) else { return nil }
        self.identifier = identifier
        (transitions, offsets, initialOffset, rule) = parsed
        Self.cache.withLock { Self.read[identifier] = self }
    }

    /// Seconds to add to UTC for local time at `seconds` since 1970.
    public func secondsFromUTC(at seconds: Int64) -> Int {
        guard let first = transitions.first, seconds >= first else {
            return transitions.isEmpty ? rule?.offset(at: seconds) ?? initialOffset : initialOffset
        }
        if seconds >= transitions[transitions.count - 1], let rule { return rule.offset(at: seconds) }
        var low = 0, high = transitions.count - 1   // transitions[low] <= seconds
        while low < high {
            let middle = (low + high + 1) / 2
            if transitions[middle] <= seconds { low = middle } else { high = middle - 1 }
        }
        return offsets[low]
    }

    /// The zone this machine's local time is in: `TZ` (an IANA name), else the file
    /// /etc/localtime links to, else UTC.
    public static var localIdentifier: String {
        if let tz = getenv("TZ").map({ String(cString: $0) }) {
            let name = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
            if ZoneRules(identifier: name) != nil { return name }
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/etc/localtime", &buffer, buffer.count - 1)
        let target = count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        if let range = target.firstRange(of: "zoneinfo/") {
            let name = String(target[range.upperBound...])
            if ZoneRules(identifier: name) != nil { return name }
        }
        return "UTC"
    }

    /// RFC 8536: version 1 data, then (version 2 and later) the same with 64-bit times and a footer.
    private static func parse(_ bytes: [UInt8]) -> ([Int64], [Int], Int, PosixZoneRule?)? {
        guard bytes.count >= 44, bytes.starts(with: Array("TZif".utf8)) else { return nil }
        func counts(at start: Int) -> [Int]? {
            guard start + 44 <= bytes.count else { return nil }
            return (0..<6).map { index in
                (0..<4).reduce(0) { $0 << 8 | Int(bytes[start + 20 + index * 4 + $1]) }
            }
        }
        guard let first = counts(at: 0) else { return nil }
        let version1Length = first[3] * 5 + first[4] * 6 + first[5] + first[2] * 8 + first[1] + first[0]
        let wide = bytes[4] >= UInt8(ascii: "2")
        let start = wide ? 44 + version1Length : 0
        guard let header = counts(at: start) else { return nil }
        let (leaps, times, types, chars) = (header[2], header[3], header[4], header[5])
        let timeSize = wide ? 8 : 4
        var at = start + 44
        let needed = at + times * timeSize + times + types * 6 + chars + leaps * (timeSize + 4) + header[1] + header[0]
        guard types > 0, needed <= bytes.count else { return nil }
        func integer(_ offset: Int, _ size: Int) -> Int64 {
            let raw = (0..<size).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
            return size == 8 ? Int64(bitPattern: raw) : Int64(Int32(bitPattern: UInt32(raw)))
        }
        let transitions = (0..<times).map { integer(at + $0 * timeSize, timeSize) }
        at += times * timeSize
        let indices = (0..<times).map { Int(bytes[at + $0]) }
        at += times
        let typeOffsets = (0..<types).map { Int(integer(at + $0 * 6, 4)) }
        guard indices.allSatisfy({ $0 < types }) else { return nil }
        var rule: PosixZoneRule?
        if wide, let open = bytes[needed...].firstIndex(of: 10),
           let close = bytes[(open + 1)...].firstIndex(of: 10), close > open + 1 {
            rule = PosixZoneRule(String(decoding: bytes[(open + 1)..<close], as: UTF8.self))
        }
        return (transitions, indices.map { typeOffsets[$0] }, typeOffsets[0], rule)
    }
}
