import Foundation

/// Durations as operators write them: `90s`, `15m`, `2h`, `1d`, or combined (`1h30m`).
public enum DurationText {
    /// Parses `text`; the error shows the accepted forms.
    public static func parse(_ text: String) throws -> Duration {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var total: Int64 = 0
        var digits = ""
        var sawUnit = false
        for character in text.trimmingCharacters(in: .whitespaces).lowercased() {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if let unit = units[character], let value = Int64(digits), digits.count <= 9 {
                total += value * unit
                digits = ""
                sawUnit = true
            } else {
                throw invalid(text)
            }
        }
        guard sawUnit, digits.isEmpty, total > 0 else { throw invalid(text) }
        return .seconds(total)
    }

    /// `90s`, `15m`, `2h`, `1h30m`: the shortest exact form of whole seconds.
    public static func format(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        guard seconds > 0 else { return "0s" }
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where seconds >= size {
            text += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return text
    }

    private static func invalid(_ text: String) -> ScheduleError {
        ScheduleError("\"\(text)\" is not a duration: write a whole number and a unit, s, m, h or d (90s, 15m, 2h, 1h30m).")
    }
}
