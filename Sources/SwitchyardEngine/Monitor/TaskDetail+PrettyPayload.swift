extension TaskDetail {
    /// The payload indented two spaces per level, for the detail view. Only whitespace
    /// changes: numbers keep their stored digits (4150.00 stays 4150.00). nil when there is none.
    public var prettyPayload: String? {
        payload.map(JSONIndenter.indent)
    }
}

/// Re-indents JSON text without parsing its values.
enum JSONIndenter {
    static func indent(_ json: String) -> String {
        var output = ""
        var depth = 0
        var inString = false, escaped = false
        let characters = Array(json)
        var index = 0
        func newline() { output += "\n" + String(repeating: "  ", count: depth) }
        while index < characters.count {
            let character = characters[index]
            index += 1
            if inString {
                output.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"":
                inString = true
                output.append(character)
            case "{", "[":
                // An empty object or array stays on one line.
                let next = characters[index...].first { !$0.isWhitespace }
                if next == "}" || next == "]" {
                    output.append(character)
                } else {
                    output.append(character)
                    depth += 1
                    newline()
                }
            case "}", "]":
                if output.last != "{" && output.last != "[" {
                    depth -= 1
                    newline()
                }
                output.append(character)
            case ",":
                output.append(character)
                newline()
            case ":":
                output += ": "
            case _ where character.isWhitespace:
                break
            default:
                output.append(character)
            }
        }
        return output
    }
}
