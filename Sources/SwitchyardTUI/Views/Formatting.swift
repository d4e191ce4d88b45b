import FoundationEssentials
import SwitchyardEngine

/// Small text formats every view shares.
enum Format {
    /// "03:12:09" in the given zone.
    static func clock(_ date: Date, _ zone: ClockZone) -> String {
        // Called for every row of every frame: arithmetic on the zone's offset, no Calendar.
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + zone.secondsFromUTC(at: date)
        let second = (local % 86_400 + 86_400) % 86_400
        return twoDigits(second / 3600) + ":" + twoDigits(second / 60 % 60) + ":" + twoDigits(second % 60)
    }

    /// "07", "42".
    static func twoDigits(_ value: Int) -> String { value < 10 && value >= 0 ? "0\(value)" : "\(value)" }

    /// "1.4", "0.0", "12.5": one decimal, halves to even as printf's "%.1f" does.
    static func oneDecimal(_ value: Double) -> String { decimalText(value, places: 1) }

    /// "42s", "5m", "3h", "2d": an age in the largest whole unit, for narrow columns
    /// (`TimeSpan.format`, the one formatter of durations, in its column style).
    static func age(_ seconds: TimeInterval) -> String { TimeSpan.format(seconds: seconds, .column) }

    /// "48,210".
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// At most five columns: "9,999", "48.2k", "482k", "1.2M".
    static func compactCount(_ value: Int) -> String {
        if value < 10_000 { return count(value) }
        if value < 100_000 { return oneDecimal(Double(value) / 1000) + "k" }
        if value < 1_000_000 { return "\(value / 1000)k" }
        if value < 100_000_000 { return oneDecimal(Double(value) / 1_000_000) + "M" }
        return "\(value / 1_000_000)M"
    }

    /// "1.4/s".
    static func rate(_ perSecond: Double) -> String {
        perSecond >= 100 ? "\(Int(perSecond.rounded()))/s" : oneDecimal(perSecond) + "/s"
    }

    /// Splits text into lines of at most `width` columns at spaces.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if DisplayWidth.of(candidate) <= width {
                current = candidate
            } else {
                if !current.isEmpty { lines.append(current) }
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [""] : lines
    }

    /// Table columns: each text padded (or clipped) to its width, joined by one space.
    static func columns(_ parts: [(String, Int)], ellipsis: Character) -> String {
        parts.map { $0.0.padded(to: $0.1, ellipsis: ellipsis) }.joined(separator: " ")
    }
}

/// A table's column widths, worked out once from the width it is drawn in: fixed columns, one
/// column that takes the rest, one space between columns. Header and rows share it, so no view
/// adds widths by hand.
struct TableLayout {
    enum Width {
        case fixed(Int)
        /// What the fixed columns and the spaces leave, kept within `minimum...maximum`.
        case rest(minimum: Int, maximum: Int = .max)
    }

    struct Column {
        var width: Width
        /// A hidden column takes no room, and its text in a row is skipped.
        var shown = true

        static func fixed(_ width: Int, shown: Bool = true) -> Column { Column(width: .fixed(width), shown: shown) }
        static func rest(minimum: Int, maximum: Int = .max) -> Column {
            Column(width: .rest(minimum: minimum, maximum: maximum))
        }
    }

    /// The width of each column; nil for a hidden one.
    let widths: [Int?]

    init(width: Int, _ columns: [Column]) {
        let shown = columns.filter(\.shown)
        let fixed = shown.reduce(0) { sum, column in
            if case .fixed(let width) = column.width { sum + width } else { sum }
        }
        let rest = width - fixed - max(0, shown.count - 1)
        widths = columns.map { column in
            guard column.shown else { return nil }
            switch column.width {
            case .fixed(let width): return width
            case .rest(let minimum, let maximum): return min(maximum, max(minimum, rest))
            }
        }
    }

    /// One row: a text per column (hidden ones included), each padded or clipped to its width.
    func row(_ texts: [String], ellipsis: Character) -> String {
        Format.columns(zip(texts, widths).compactMap { text, width in width.map { (text, $0) } }, ellipsis: ellipsis)
    }
}
