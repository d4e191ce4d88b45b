/// A span of time as operators write it, on every command-line option that takes one and in
/// the dashboard: `250ms`, `90s`, `15m`, `2h`, `1h30m`, `400d`, `1.5s`; a number alone is seconds.
/// `format` is the one way Switchyard writes a duration or an age back.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var duration: Duration

    public init(_ duration: Duration) { self.duration = duration }

    /// Parses `text`; the error shows the accepted forms. Terms go largest unit first, each
    /// unit at most once; the result is rounded to the millisecond.
    public init(parsing text: String) throws(TimeSpanError) {
        let trimmed = text.trimmingSpaces.lowercased()
        guard !trimmed.isEmpty else { throw TimeSpanError(text) }
        if let bare = Self.milliseconds(Substring(trimmed), unit: 1000) {
            duration = .milliseconds(bare)
            return
        }
        var rest = Substring(trimmed), total: Int64 = 0, previous = Int64.max
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unitText.count)
            guard let unit = Self.units.first(where: { $0.name == unitText }), unit.milliseconds < previous,
                  let value = Self.milliseconds(number, unit: unit.milliseconds) else { throw TimeSpanError(text) }
            let (sum, overflow) = total.addingReportingOverflow(value)
            guard !overflow else { throw TimeSpanError(text) }
            total = sum
            previous = unit.milliseconds
        }
        duration = .milliseconds(total)
    }

    /// The units the parser reads and `format` writes, largest first.
    static let units: [(name: Substring, milliseconds: Int64)] =
        [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]

    /// "12", "1.5", "0.25" in `unit`, as whole milliseconds (rounded); nil when not such a number.
    private static func milliseconds(_ number: Substring, unit: Int64) -> Int64? {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              parts[0].count <= 9, parts.count == 1 || parts[1].count <= 3,
              let whole = Int64(parts[0]), whole >= 0 else { return nil }
        var scale: Int64 = 1, fraction: Int64 = 0
        if parts.count == 2 {
            guard let digits = Int64(parts[1]), digits >= 0 else { return nil }
            fraction = digits
            for _ in parts[1] { scale *= 10 }
        }
        let (scaled, overflow) = (whole * scale + fraction).multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        return (scaled + scale / 2) / scale
    }

    /// The forms `init(parsing:)` accepts, for help texts and errors.
    public static let acceptedForms =
        "a number and a unit, ms, s, m, h or d (250ms, 90s, 15m, 2h, 1h30m, 400d); a number alone is seconds"

    public var description: String { Self.format(duration) }

    public static func < (left: TimeSpan, right: TimeSpan) -> Bool { left.duration < right.duration }

    /// How much of a duration `format` writes.
    public enum Style: Sendable {
        /// Every unit, so the text reads back as the same span: "1h30m", "1.5s", "1m30.5s", "250ms".
        case exact
        /// The two largest units, rounded down; one decimal (rounded) below a minute: "250ms", "1.2s",
        /// "45s", "1m30s", "2h5m", "3d4h". Ages and latencies on the command line and screen.
        case brief
        /// The largest whole unit, for narrow columns: "0s", "42s", "5m", "3h", "2d".
        case column
    }

    /// The one formatter of durations and ages. Negative spans write as "0s".
    public static func format(_ duration: Duration, _ style: Style = .exact) -> String {
        let total = Int64(max(0, duration.milliseconds))
        if total == 0 { return "0s" }
        if total < 1000 { return style == .column ? "0s" : "\(total)ms" }
        let limit = switch style { case .exact: Int.max; case .brief: 2; case .column: 1 }
        var rest = total, text = "", written = 0
        for unit in units where unit.name != "ms" && written < limit {
            guard rest >= unit.milliseconds || written > 0 else { continue }
            written += 1
            if unit.name == "s", style == .exact || (style == .brief && written == 1) {
                return text + decimalSeconds(rest, places: style == .exact ? 3 : 1)
            }
            let count = rest / unit.milliseconds
            rest %= unit.milliseconds
            if count > 0 { text += "\(count)\(unit.name)" }
        }
        return text
    }

    /// "1.5s", "45s", "0.25s"; "" for none.
    private static func decimalSeconds(_ milliseconds: Int64, places: Int) -> String {
        guard milliseconds > 0 else { return "" }
        // One decimal rounds to the nearest tenth (1.25s is "1.3s"), short of "60s".
        let kept = places >= 3 ? milliseconds : min((milliseconds + 50) / 100 * 100, 59_900)
        var fraction = String(kept % 1000 + 1000).dropFirst().prefix(places)
        while fraction.hasSuffix("0") { fraction = fraction.dropLast() }
        return "\(kept / 1000)" + (fraction.isEmpty ? "" : "." + fraction) + "s"
    }

    /// An age or a latency given in seconds (as the database's figures come).
    public static func format(seconds: Double, _ style: Style = .brief) -> String {
        guard seconds.isFinite else { return "-" }
        return format(.seconds(fractional: min(max(seconds, 0), 1e12)), style)
    }
}

/// A text that is not a duration; says which forms are.
public struct TimeSpanError: Error, Equatable, CustomStringConvertible {
    public var message: String
    init(_ text: String) {
        message = "\"\(text)\" is not a duration: write \(TimeSpan.acceptedForms)."
    }
    public var description: String { message }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map { index(after: $0) } ?? endIndex
        return self[start..<max(start, end)]
    }
}
