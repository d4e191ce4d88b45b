/// Names cut to a column's width so that different names stay different. A name that fits is
/// kept whole; one whose start already tells it apart from the others keeps its start
/// (`topstep-f…`); one that shares its start with another keeps the tail that tells them apart
/// behind a middle ellipsis, from the separator before it when there is room (`apex-…-07` beside
/// `apex-…-12`, `DEMO-1a2b3…-1234`). Only when even that tail does not fit is the name clipped
/// at its end, as plain clipping would.
///
/// The set is what a reader compares: the names on screen, plus those they know of (every
/// account the snapshot lists), so `apex-eval-2` is not cut to `apex-ev…` because `apex-eval-1`
/// is not among the rows just now.
struct DistinctNames: Sendable {
    let width: Int
    let ellipsis: Character
    private let short: [String: String]

    /// Characters a middle ellipsis's tail starts from when it can: `-07` rather than `07`.
    static let separators: Set<Character> = ["-", "_", ".", "/", ":", " ", "@"]

    init(_ names: some Sequence<String>, width: Int, ellipsis: Character) {
        self.width = width
        self.ellipsis = ellipsis
        let unique = Array(Set(names))
        let characters = unique.map(Array.init)
        let prefixes = Self.longestShared(characters)
        let suffixes = Self.longestShared(characters.map { Array($0.reversed()) })
        var short: [String: String] = [:]
        for (index, name) in unique.enumerated() where DisplayWidth.of(name) > width {
            short[name] = Self.shorten(characters[index], sharedPrefix: prefixes[index], sharedSuffix: suffixes[index],
                                       width: width, ellipsis: ellipsis)
        }
        self.short = short
    }

    /// The name as the column shows it: at most `width` columns. A name outside the set is clipped.
    subscript(_ name: String) -> String {
        if let text = short[name] { return text }
        return name.clipped(to: width, ellipsis: ellipsis)
    }

    /// For each name, the longest run of characters it shares with another name from its start:
    /// sorted, that other name is a neighbour.
    private static func longestShared(_ names: [[Character]]) -> [Int] {
        let order = names.indices.sorted { names[$0].lexicographicallyPrecedes(names[$1]) }
        var shared = [Int](repeating: 0, count: names.count)
        for (a, b) in zip(order, order.dropFirst()) {
            let common = zip(names[a], names[b]).prefix { $0 == $1 }.count
            shared[a] = max(shared[a], common)
            shared[b] = max(shared[b], common)
        }
        return shared
    }

    private static func shorten(_ name: [Character], sharedPrefix: Int, sharedSuffix: Int, width: Int,
                                ellipsis: Character) -> String {
        let room = width - DisplayWidth.of(ellipsis)
        func columns(_ characters: ArraySlice<Character>) -> Int { characters.reduce(0) { $0 + DisplayWidth.of($1) } }
        let plain = String(name).clipped(to: width, ellipsis: ellipsis)
        // The start tells it apart: plain clipping keeps that start.
        guard room > 0, columns(name.prefix(sharedPrefix + 1)) > room else { return plain }
        // Else the shortest tail no other name ends with, widened to the separator before it.
        let tailLength = min(name.count, sharedSuffix + 1)
        var tails = [name.count - tailLength]
        if !separators.contains(name[tails[0]]),
           let separator = name[..<tails[0]].lastIndex(where: separators.contains), separator > 0 {
            tails.insert(separator, at: 0)
        }
        for start in tails where columns(name[start...]) <= room {
            var head = ""
            var used = columns(name[start...])
            for character in name[..<start] {
                let w = DisplayWidth.of(character)
                if used + w > room { break }
                head.append(character)
                used += w
            }
            return head + String(ellipsis) + String(name[start...])
        }
        return plain
    }
}

extension DashboardModel {
    /// Every account the snapshot lists: a name shortened among these keeps apart from the
    /// accounts not on screen just now.
    var knownAccounts: [String] { snapshot?.accounts?.map(\.name) ?? [] }
}
