import Foundation
import SwitchyardEngine
import SwitchyardTestSupport
import Testing

/// The engine knows no command-line flag: no string literal under Sources/SwitchyardEngine
/// names one (`--database-url`, `--read-only`, `--live`). An error that wants a flag carries a
/// `Remedy`, and the command line says which flag does it.
struct EngineNamesNoFlagTests {
    /// Literals allowed to hold `--x`, each with its reason: none so far.
    static let exceptions: [(file: String, literal: String)] = []

    @Test func noStringLiteralInTheEngineNamesAFlag() throws {
        let root = SwitchyardBinary.packageRoot.appendingPathComponent("Sources/SwitchyardEngine")
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50, "\(root.path): \(files.count) files")
        let flag = try Regex("--[a-z]")
        for file in files {
            let source = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for literal in Self.stringLiterals(in: source) where literal.contains(flag) {
                if Self.exceptions.contains(where: { $0.file == file && $0.literal == literal }) { continue }
                Issue.record("Sources/SwitchyardEngine/\(file) names a flag in \"\(literal)\": carry a Remedy instead")
            }
        }
    }

    /// The scanner finds flags in every kind of literal and none in comments.
    @Test func theScannerReadsLiteralsNotComments() {
        let source = #"""
            // a comment about --read-only
            /* and --live here */
            let a = "plain --database-url"
            let b = """
                multi --accounts
                """
            let c = #"raw --live"#
            let d = "escaped \" quote"
            let sql = "SELECT 1 -- comment"
            """#
        let literals = Self.stringLiterals(in: source)
        #expect(literals.filter { $0.contains("--") && !$0.contains("-- ") }.count == 3, "\(literals)")
        #expect(!literals.contains { $0.contains("--read-only") })
    }

    /// The contents of the string literals in Swift source (plain, multi-line and raw), with
    /// comments skipped. Interpolations are read as part of their literal.
    static func stringLiterals(in source: String) -> [String] {
        var literals: [String] = []
        var rest = Substring(source)
        while let start = rest.firstIndex(where: { $0 == "\"" || $0 == "/" || $0 == "#" }) {
            rest = rest[start...]
            if rest.hasPrefix("//") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*") {
                rest = rest.range(of: "*/").map { rest[$0.upperBound...] } ?? ""
            } else if rest.hasPrefix("#") || rest.hasPrefix("\"") {
                let hashes = rest.prefix { $0 == "#" }
                let afterHashes = rest.dropFirst(hashes.count)
                guard afterHashes.hasPrefix("\"") else { rest = afterHashes; continue }
                let quotes = afterHashes.hasPrefix("\"\"\"") ? "\"\"\"" : "\""
                let body = afterHashes.dropFirst(quotes.count)
                let close = quotes + hashes
                var index = body.startIndex
                while index < body.endIndex, !body[index...].hasPrefix(close) {
                    // A backslash escapes the next character in a plain literal (`\"`).
                    index = hashes.isEmpty && body[index] == "\\" ? body.index(index, offsetBy: 2, limitedBy: body.endIndex) ?? body.endIndex
                        : body.index(after: index)
                }
                literals.append(String(body[..<index]))
                rest = body[index...].dropFirst(close.count)
            } else {
                rest = rest.dropFirst()
            }
        }
        return literals
    }
}
