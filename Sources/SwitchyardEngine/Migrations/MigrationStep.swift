import FoundationEssentials
import SwitchyardResources

/// One part of a migration, run in order (docs/pitfalls.md, "Online migrations"). A migration
/// file without step lines is one transactional step. A line `--@ transaction`,
/// `--@ no transaction` or `--@ backfill LABEL over TABLE.COLUMN [from QUERY]` starts a step.
public struct MigrationStep: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The statements run in one transaction under the Migrator's lock_timeout.
        case transaction
        /// Each statement runs on its own, outside a transaction: `CREATE INDEX CONCURRENTLY`,
        /// `DROP INDEX CONCURRENTLY`, `ALTER TABLE ... VALIDATE CONSTRAINT`. Each must be safe to
        /// run again (IF NOT EXISTS, IF EXISTS): a run that stopped midway repeats the step.
        case noTransaction
        /// The statements run once per batch of keys `$1 < COLUMN <= $2`, each batch its own short
        /// transaction that also records how far the backfill got. The range is fixed when the
        /// transactional step before it commits: from `from` (a query giving the exclusive lower
        /// key; 0 without one) to the highest key then.
        case backfill(Backfill)
    }

    public struct Backfill: Sendable, Equatable {
        public var label: String
        public var table: String
        public var column: String
        public var from: String?
    }

    public var kind: Kind
    public var sql: String

    /// The statements of `sql`, split at semicolons that end a line (steps that run statement by
    /// statement hold no semicolon at a line's end inside a statement).
    public var statements: [String] {
        var statements: [String] = [], current = ""
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmed
            if trimmed.hasPrefix("--") || (current.isEmpty && trimmed.isEmpty) { continue }
            current += line + "\n"
            if trimmed.hasSuffix(";") {
                statements.append(current.trimmed)
                current = ""
            }
        }
        if !current.trimmed.isEmpty { statements.append(current.trimmed) }
        return statements
    }

    /// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name` statement builds.
    static func concurrentIndexName(_ statement: String) -> String? {
        let words = statement.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { $0.uppercased() }
        var index = 0
        func take(_ word: String) -> Bool {
            guard index < words.count, words[index] == word else { return false }
            index += 1
            return true
        }
        guard take("CREATE") else { return nil }
        _ = take("UNIQUE")
        guard take("INDEX"), take("CONCURRENTLY") else { return nil }
        if take("IF") { guard take("NOT"), take("EXISTS") else { return nil } }
        guard index < words.count else { return nil }
        return words[index].lowercased()
    }
}

extension EmbeddedMigration {
    /// The migration's up file as steps; a malformed step line is an error naming it.
    public func steps() throws -> [MigrationStep] {
        var steps: [MigrationStep] = []
        var kind = MigrationStep.Kind.transaction, sql = ""
        func close() {
            let step = MigrationStep(kind: kind, sql: sql)
            if !step.statements.isEmpty { steps.append(step) }
            sql = ""
        }
        for line in up.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("--@") else {
                sql += line + "\n"
                continue
            }
            close()
            kind = try Self.stepKind(String(line.dropFirst(3)).trimmed, version: version)
        }
        close()
        for (position, step) in steps.enumerated() {
            guard case .backfill = step.kind else { continue }
            let before = steps[..<position].last { if case .backfill = $0.kind { return false } else { return true } }
            guard before?.kind == .transaction else {
                throw DatabaseError(message: "Migration \(version): a backfill step must follow a transactional step, "
                                    + "which fixes its range.")
            }
        }
        return steps
    }

    private static func stepKind(_ text: String, version: Int) throws -> MigrationStep.Kind {
        switch text {
        case "transaction": return .transaction
        case "no transaction": return .noTransaction
        default:
            guard text.hasPrefix("backfill "), let over = text.firstRange(of: " over ") else {
                throw DatabaseError(message: "Migration \(version) has an unknown step line `--@ \(text)`.",
                                    detail: "Steps are `--@ transaction`, `--@ no transaction` and "
                                        + "`--@ backfill LABEL over TABLE.COLUMN [from QUERY]`.")
            }
            let label = String(text[text.index(text.startIndex, offsetBy: 9)..<over.lowerBound]).trimmed
            var rest = String(text[over.upperBound...]), from: String?
            if let fromRange = rest.firstRange(of: " from ") {
                from = String(rest[fromRange.upperBound...]).trimmed
                rest = String(rest[..<fromRange.lowerBound])
            }
            let parts = rest.trimmed.split(separator: ".")
            guard parts.count == 2, !label.isEmpty else {
                throw DatabaseError(message: "Migration \(version): `--@ \(text)` names no TABLE.COLUMN to walk.")
            }
            return .backfill(MigrationStep.Backfill(label: label, table: String(parts[0]), column: String(parts[1]), from: from))
        }
    }
}
