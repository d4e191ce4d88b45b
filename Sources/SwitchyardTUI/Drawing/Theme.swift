/// What a cell means; a `Theme` decides how that looks.
public enum StyleRole: Hashable, Sendable, CaseIterable {
    case normal, muted, header, badge, title, border, focusedBorder, selected, marked
    case good, warning, failed, chartSucceeded, chartFailed, dialog, statusLine, error, key
    /// The header's `[LIVE]`: a router sends real orders. Its own colour, and its own text
    /// (the brackets) where there is no colour.
    case live
}

/// A terminal colour (the eight ANSI colours every colour terminal has).
public enum TerminalColor: Int, Hashable, Sendable {
    case black = 0, red, green, yellow, blue, magenta, cyan, white
}

/// How a role looks on screen.
public struct TextAttributes: Hashable, Sendable {
    public var bold = false
    public var dim = false
    public var reverse = false
    public var underline = false
    public var foreground: TerminalColor?
    public var background: TerminalColor?

    public init(bold: Bool = false, dim: Bool = false, reverse: Bool = false, underline: Bool = false,
                foreground: TerminalColor? = nil, background: TerminalColor? = nil) {
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
        self.foreground = foreground
        self.background = background
    }

    public static let plain = TextAttributes()
}

/// Maps roles to attributes; `monochrome` uses only bold, dim, reverse and underline.
public struct Theme: Sendable {
    public var usesColor: Bool
    private var table: [StyleRole: TextAttributes]

    public init(usesColor: Bool, table: [StyleRole: TextAttributes]) {
        self.usesColor = usesColor
        self.table = table
    }

    public func attributes(for role: StyleRole) -> TextAttributes { table[role] ?? .plain }

    public static let monochrome = Theme(usesColor: false, table: [
        .muted: TextAttributes(dim: true),
        .header: TextAttributes(reverse: true),
        .badge: TextAttributes(bold: true, reverse: true),
        .title: TextAttributes(bold: true),
        .border: TextAttributes(dim: true),
        .focusedBorder: TextAttributes(bold: true),
        .selected: TextAttributes(reverse: true),
        .marked: TextAttributes(bold: true),
        .warning: TextAttributes(bold: true),
        .failed: TextAttributes(bold: true),
        .chartFailed: TextAttributes(bold: true),
        .dialog: TextAttributes(bold: true),
        .statusLine: TextAttributes(reverse: true),
        .error: TextAttributes(bold: true, reverse: true),
        .key: TextAttributes(bold: true),
        // Out of the header's reverse bar: normal video, bold and underlined, between brackets.
        .live: TextAttributes(bold: true, underline: true),
    ])

    public static let color = Theme(usesColor: true, table: [
        .muted: TextAttributes(dim: true),
        .header: TextAttributes(foreground: .white, background: .blue),
        .badge: TextAttributes(bold: true, foreground: .black, background: .yellow),
        .title: TextAttributes(bold: true, foreground: .cyan),
        .border: TextAttributes(foreground: .blue),
        .focusedBorder: TextAttributes(bold: true, foreground: .cyan),
        .selected: TextAttributes(reverse: true),
        .marked: TextAttributes(bold: true, foreground: .yellow),
        .good: TextAttributes(foreground: .green),
        .warning: TextAttributes(bold: true, foreground: .yellow),
        .failed: TextAttributes(bold: true, foreground: .red),
        .chartSucceeded: TextAttributes(foreground: .green),
        .chartFailed: TextAttributes(foreground: .red),
        .dialog: TextAttributes(bold: true, foreground: .white, background: .blue),
        .statusLine: TextAttributes(reverse: true),
        .error: TextAttributes(bold: true, foreground: .white, background: .red),
        .key: TextAttributes(bold: true, foreground: .cyan),
        .live: TextAttributes(bold: true, foreground: .white, background: .magenta),
    ])
}
