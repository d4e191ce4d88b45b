/// The characters lines and charts are drawn with: Unicode, or ASCII when the locale is not
/// UTF-8 (or `--ascii`).
public struct Glyphs: Equatable, Sendable {
    public var horizontal: Character
    public var vertical: Character
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character
    /// Bar heights in eighths of a cell, index 0 (empty) through 8 (full).
    public var bars: [Character]
    /// A whole cell of the failures series, told apart from the bars without colour.
    public var failureBar: Character
    public var ellipsis: Character
    public var mark: Character
    public var emDash: String

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        bars: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], failureBar: "▒", ellipsis: "…", mark: "◆", emDash: "—")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        bars: [" ", ".", ".", "_", "o", "o", "O", "#", "#"], failureBar: "x", ellipsis: "~", mark: "*", emDash: "-")

    /// The glyph for a bar `eighths` high (clamped to 0...8).
    public func bar(eighths: Int) -> Character { bars[min(8, max(0, eighths))] }
}
