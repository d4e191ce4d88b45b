/// Reads Postgres' text form of a one-dimensional array (`{a,"b c",NULL}`).
enum PostgresArray {
    /// The elements; an unquoted NULL is nil. Returns [] for text that is not an array.
    static func parse(_ text: String) -> [String?] {
        var characters = text[...]
        guard characters.first == "{", characters.last == "}" else { return [] }
        characters = characters.dropFirst().dropLast()
        guard !characters.isEmpty else { return [] }
        var elements: [String?] = []
        var current = ""
        var quoted = false, wasQuoted = false, escaped = false
        for character in characters {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quoted {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                wasQuoted = true
            } else if character == "," && !quoted {
                elements.append(!wasQuoted && current == "NULL" ? nil : current)
                (current, wasQuoted) = ("", false)
            } else {
                current.append(character)
            }
        }
        elements.append(!wasQuoted && current == "NULL" ? nil : current)
        return elements
    }
}
