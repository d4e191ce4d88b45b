extension StringProtocol {
    /// The text without leading and trailing whitespace, newlines included.
    ///
    /// The same as Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)`, which lives in
    /// the half of Foundation the engine does not link (see `Lock`).
    public var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }

    /// The text without trailing whitespace.
    public var trimmingTrailingWhitespace: String {
        guard let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[...last])
    }
}

/// `value` with `places` decimals ("1.4", "12.50"), halves to even as printf's "%.*f" does.
///
/// Foundation's `String(format:)` lives in the half of Foundation the engine does not link.
public func decimalText(_ value: Double, places: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1
    for _ in 0..<max(0, places) { scale *= 10 }
    let scaled = Int((value * Double(scale)).rounded(.toNearestOrEven))
    let whole = "\(abs(scaled) / scale)"
    let sign = scaled < 0 ? "-" : ""
    guard places > 0 else { return sign + whole }
    let fraction = "\(abs(scaled) % scale)"
    return sign + whole + "." + String(repeating: "0", count: places - fraction.count) + fraction
}
