import FoundationEssentials

/// A part superseded by a later one (docs/operations.md, "Archive"): an audit row arrived for a
/// task of a month whose file was written and whose rows were leaving. Finishing the part would
/// delete a row its file lacks, and keeping the task back would leave a file that holds more than
/// left. So the part ends `superseded`, and a new part of the month takes over its tasks still in
/// the database; its file holds the whole part as it leaves: first the rows already deleted,
/// copied from the old file, then the rest with their late rows. Every file the manifest does not
/// mark superseded is then exactly what left the database, each row in one such file.
extension Archiver {
    /// A superseded part, as the ledger recorded its file.
    struct SupersededPart {
        var row: LedgerRow
        var sha256: String
    }

    /// The part `row` supersedes, if it supersedes one.
    func supersededPart(of row: LedgerRow) throws -> SupersededPart? {
        guard let found = try connection.execute(ArchiveQueries.supersededPart(of: row.id)).first else { return nil }
        return SupersededPart(row: try LedgerRow(row: found), sha256: try found.decode("sha256"))
    }

    /// Ends `row` (deleting) as superseded by a new part of its month, planned, which takes over
    /// its tasks still in the database; one transaction.
    func supersede(_ row: LedgerRow) throws -> LedgerRow {
        let successor = try connection.transaction { connection -> LedgerRow in
            let queries = ArchiveQueries.supersede(ledger: row.id, actor: config.actor)
            guard let inserted = try connection.execute(queries[0]).first else {
                throw ArchiveError("\(row.month) (part \(row.part)) is no longer being deleted: another run finished it.",
                                   advice: "Run `switchyard archive` again; it carries on from the ledger.")
            }
            for query in queries.dropFirst() { try connection.execute(query) }
            return try LedgerRow(row: inserted)
        }
        report(.superseded(row, by: successor))
        return successor
    }

    /// Copies into `writer` the lines of the superseded part's file for the tasks that left with
    /// it (those that are not members of `row`); the file must still be the one the ledger recorded.
    func carry(_ part: SupersededPart, into writer: GzipFileWriter, except row: LedgerRow) throws -> (tasks: Int, logs: Int) {
        let members = Set(try connection.execute(ArchiveQueries.memberIDs(ledger: row.id)).rows.map { try $0.decode("task_id", as: Int.self) })
        let path = config.folder + "/" + part.row.fileName
        let missing = ArchiveError("\(path), the file of \(part.row.month) part \(part.row.part), is not the file the ledger recorded "
                                   + "(missing, changed or damaged); part \(row.part) copies from it the rows that already left.",
                                   advice: "Put the file back from a copy (`switchyard archive verify` checks it), then run `switchyard archive` again.")
        guard let reader = try? GzipFileReader(path: path) else { throw missing }
        func nextLine() throws -> String? {
            do { return try reader.nextLine() } catch { throw missing }
        }
        var (tasks, logs) = (0, 0)
        while let line = try nextLine() {
            guard let (kind, json) = ArchiveLine.parse(line), let task = Self.taskID(of: json, kind: kind) else { throw missing }
            guard !members.contains(task) else { continue }
            try writer.writeLine(line)
            if kind == .task { tasks += 1 } else { logs += 1 }
        }
        guard (try? reader.finishDigest()) == part.sha256 else { throw missing }
        return (tasks, logs)
    }

    /// The task a line's row belongs to: a task's `id`, an audit row's `task_id`.
    static func taskID(of json: Substring, kind: ArchiveLine.Kind) -> Int? {
        guard case .object(let columns)? = try? ParsedJSON.parse(String(json)),
              case .number(let id)? = columns[kind == .task ? "id" : "task_id"], id == id.rounded() else { return nil }
        return Int(exactly: id)
    }
}
