/// One terminal cell: a character and what it means.
public struct Cell: Hashable, Sendable {
    public var character: Character
    public var role: StyleRole
    /// The right half of a wide character drawn in the cell to the left; never drawn itself.
    public var isContinuation: Bool

    public init(_ character: Character, role: StyleRole = .normal, isContinuation: Bool = false) {
        self.character = character
        self.role = role
        self.isContinuation = isContinuation
    }

    public static let blank = Cell(" ")
}

/// A run of changed cells on one row, all with the same role: what a terminal has to redraw.
public struct CellRun: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var text: String
    public var role: StyleRole
    public init(row: Int, column: Int, text: String, role: StyleRole) {
        self.row = row
        self.column = column
        self.text = text
        self.role = role
    }
}

/// A grid of cells a frame is drawn into before any terminal sees it.
public struct CellBuffer: Equatable, Sendable {
    public let size: TerminalSize
    private var cells: [Cell]

    public init(size: TerminalSize) {
        self.size = TerminalSize(columns: max(0, size.columns), rows: max(0, size.rows))
        cells = Array(repeating: .blank, count: self.size.columns * self.size.rows)
    }

    public var bounds: Rect { Rect(size: size) }

    public subscript(column: Int, row: Int) -> Cell {
        get {
            guard contains(column: column, row: row) else { return .blank }
            return cells[row * size.columns + column]
        }
        set {
            guard contains(column: column, row: row) else { return }
            cells[row * size.columns + column] = newValue
        }
    }

    func contains(column: Int, row: Int) -> Bool {
        column >= 0 && row >= 0 && column < size.columns && row < size.rows
    }

    /// Writes text from (column, row), never past `clip` (or the buffer). Control characters
    /// become spaces; a wide character that does not fit becomes a space. Returns columns used.
    @discardableResult
    public mutating func write(_ text: String, column: Int, row: Int, role: StyleRole = .normal,
                               clip: Rect? = nil) -> Int {
        let area = clip ?? bounds
        guard row >= area.row, row < area.maxRow else { return 0 }
        let limit = min(area.maxColumn, size.columns)
        var x = column
        for var character in text {
            if x >= limit { break }
            var width: Int
            if let ascii = character.asciiValue {
                // Nearly every cell: no Unicode property lookups.
                width = 1
                if ascii < 0x20 || ascii == 0x7F { character = " " }
            } else {
                width = DisplayWidth.of(character)
                if character.unicodeScalars.first.map({ $0.value < 0x20 || $0.value == 0x7F }) ?? false {
                    character = " "
                    width = 1
                }
            }
            if width == 0 { continue }
            if x < area.column { x += width; continue }
            if width == 2 && x + 1 >= limit {
                self[x, row] = Cell(" ", role: role)
                x += 1
                break
            }
            self[x, row] = Cell(character, role: role)
            if width == 2 { self[x + 1, row] = Cell(" ", role: role, isContinuation: true) }
            x += width
        }
        return x - column
    }

    /// Fills a rectangle with one character.
    public mutating func fill(_ area: Rect, with character: Character = " ", role: StyleRole = .normal) {
        for row in area.row..<area.maxRow {
            for column in area.column..<area.maxColumn {
                self[column, row] = Cell(character, role: role)
            }
        }
    }

    /// Changes the role of every cell in a rectangle, keeping the characters (highlights).
    public mutating func setRole(_ role: StyleRole, in area: Rect) {
        for row in area.row..<area.maxRow {
            for column in area.column..<area.maxColumn where contains(column: column, row: row) {
                cells[row * size.columns + column].role = role
            }
        }
    }

    /// The frame as text: one line per row, every line exactly `columns` wide.
    public var plainText: String {
        (0..<size.rows).map { line($0) }.joined(separator: "\n")
    }

    /// One row as text.
    public func line(_ row: Int) -> String {
        var text = ""
        for column in 0..<size.columns {
            let cell = self[column, row]
            if !cell.isContinuation { text.append(cell.character) }
        }
        return text
    }

    /// The runs of cells that differ from `previous`; everything when there is none or its size differs.
    public func changes(since previous: CellBuffer?) -> [CellRun] {
        let everything = previous == nil || previous?.size != size
        var runs: [CellRun] = []
        var dirty = Array(repeating: false, count: size.columns)
        for row in 0..<size.rows {
            let base = row * size.columns
            for column in 0..<size.columns {
                dirty[column] = everything || cells[base + column] != previous!.cells[base + column]
            }
            // A changed right half means its wide character must be drawn again.
            for column in 1..<max(1, size.columns) where dirty[column] && cells[base + column].isContinuation {
                dirty[column - 1] = true
            }
            var column = 0
            while column < size.columns {
                let first = cells[base + column]
                guard dirty[column], !first.isContinuation else { column += 1; continue }
                var text = ""
                var end = column
                while end < size.columns {
                    let cell = cells[base + end]
                    if cell.isContinuation { end += 1; continue }
                    guard dirty[end], cell.role == first.role else { break }
                    text.append(cell.character)
                    end += 1
                }
                runs.append(CellRun(row: row, column: column, text: text, role: first.role))
                column = end
            }
        }
        return runs
    }
}
