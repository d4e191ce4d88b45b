/// A POSIX TZ rule, as a TZif footer holds it: "EST5EDT,M3.2.0,M11.1.0", "GMT0BST,M3.5.0/1,M10.5.0",
/// "<+03>-3" (POSIX 8.3, with RFC 8536's extensions: hours up to 167 and negative times).
struct PosixZoneRule: Sendable, Equatable {
    /// Seconds east of UTC in standard time, and in daylight time (nil: none).
    var standard: Int
    var daylight: Int?
    /// When daylight time starts and ends, each year: a day and the local time of day.
    var start = Change(day: .month(3, week: 2, weekday: 0), time: 7200)
    var end = Change(day: .month(11, week: 1, weekday: 0), time: 7200)

    struct Change: Sendable, Equatable {
        var day: Day
        /// Seconds after local midnight (of the time in effect before the change).
        var time: Int
    }
    enum Day: Sendable, Equatable {
        /// "Mm.w.d": weekday d (0 Sunday) of week w (5: the last) of month m.
        case month(Int, week: Int, weekday: Int)
        /// "Jn": day n of the year, 1 to 365, February 29 never counted.
        case julianNoLeap(Int)
        /// "n": day n of the year, 0 to 365, February 29 counted.
        case julian(Int)
    }

    init?(_ text: String) {
        var rest = Substring(text)
        guard Self.name(&rest), let standard = Self.offset(&rest) else { return nil }
        self.standard = standard
        guard !rest.isEmpty else { return }
        guard Self.name(&rest) else { return nil }
        daylight = rest.first == "," || rest.isEmpty ? standard + 3600 : Self.offset(&rest)
        guard daylight != nil else { return nil }
        // No rule given: POSIX leaves it to the system; glibc's is the United States' (the defaults above).
        guard rest.first == "," else { if rest.isEmpty { return }; return nil }
        rest = rest.dropFirst()
        guard let start = Self.change(&rest), rest.first == "," else { return nil }
        rest = rest.dropFirst()
        guard let end = Self.change(&rest), rest.isEmpty else { return nil }
        (self.start, self.end) = (start, end)
    }

    /// The offset in effect at `seconds` since 1970 (UTC).
    func offset(at seconds: Int64) -> Int {
        guard let daylight else { return standard }
        let year = PostgresTime.civil(fromDays: (seconds + Int64(standard)).floorDiv(86_400)).0
        let starts = instant(start, year: year, before: standard)
        let ends = instant(end, year: year, before: daylight)
        let inDaylight = starts < ends ? (starts <= seconds && seconds < ends) : !(ends <= seconds && seconds < starts)
        return inDaylight ? daylight : standard
    }

    private func instant(_ change: Change, year: Int64, before offset: Int) -> Int64 {
        let january = PostgresTime.days(fromCivil: year, 1, 1)
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let day: Int64
        switch change.day {
        case .julianNoLeap(let n): day = january + Int64(n - 1) + (leap && n >= 60 ? 1 : 0)
        case .julian(let n): day = january + Int64(n)
        case .month(let month, let week, let weekday):
            let first = PostgresTime.days(fromCivil: year, Int64(month), 1)
            let next = month == 12 ? PostgresTime.days(fromCivil: year + 1, 1, 1) : PostgresTime.days(fromCivil: year, Int64(month) + 1, 1)
            var candidate = first + (Int64(weekday) - ((first + 4) % 7 + 7) % 7 + 7) % 7 + Int64(week - 1) * 7
            while candidate >= next { candidate -= 7 }
            day = candidate
        }
        return day * 86_400 + Int64(change.time) - Int64(offset)
    }

    /// "EST" or "<+03>".
    private static func name(_ rest: inout Substring) -> Bool {
        if rest.first == "<" {
            guard let close = rest.firstIndex(of: ">") else { return false }
            rest = rest[rest.index(after: close)...]
            return true
        }
        let letters = rest.prefix { $0.isLetter }
        rest = rest.dropFirst(letters.count)
        return letters.count >= 3
    }

    /// "5", "-3", "+05:30": POSIX counts west of UTC positive; the result is east.
    private static func offset(_ rest: inout Substring) -> Int? { time(&rest).map { -$0 } }

    /// "[+-]hh[:mm[:ss]]" in seconds.
    private static func time(_ rest: inout Substring) -> Int? {
        var sign = 1
        if rest.first == "-" || rest.first == "+" {
            sign = rest.first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        var total = 0
        for (index, scale) in [3600, 60, 1].enumerated() {
            if index > 0 {
                guard rest.first == ":" else { break }
                rest = rest.dropFirst()
            }
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            total += value * scale
        }
        return sign * total
    }

    /// "M3.2.0", "M10.5.0/3", "J60", "59/-1".
    private static func change(_ rest: inout Substring) -> Change? {
        func number(_ rest: inout Substring) -> Int? {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            return Int(digits)
        }
        let day: Day
        if rest.first == "M" {
            rest = rest.dropFirst()
            guard let month = number(&rest), rest.first == "." else { return nil }
            rest = rest.dropFirst()
            guard let week = number(&rest), rest.first == "." else { return nil }
            rest = rest.dropFirst()
            guard let weekday = number(&rest), (1...12).contains(month), (1...5).contains(week), (0...6).contains(weekday)
            else { return nil }
            day = .month(month, week: week, weekday: weekday)
        } else if rest.first == "J" {
            rest = rest.dropFirst()
            guard let n = number(&rest), (1...365).contains(n) else { return nil }
            day = .julianNoLeap(n)
        } else {
            guard let n = number(&rest), (0...365).contains(n) else { return nil }
            day = .julian(n)
        }
        var time = 7200
        if rest.first == "/" {
            rest = rest.dropFirst()
            guard let given = Self.time(&rest) else { return nil }
            time = given
        }
        return Change(day: day, time: time)
    }
}
