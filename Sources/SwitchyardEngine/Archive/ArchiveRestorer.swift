import FoundationEssentials

/// `switchyard archive restore`: loads one archive file, for an audit, into tables of a schema
/// of its own, exactly as the rows were (ids, timestamps, every column).
///
/// Not into the hot tables: there the audit triggers would count the attempts again and reopen
/// positions, and routers would see long-finished trades. The schema's tables are made `LIKE` the
/// live ones (columns, checks and indexes, no triggers, no defaults), so a restored row reads
/// exactly as it did; restoring a file twice fails on the primary key instead of doubling it.
public struct ArchiveRestorer {
    public struct Result: Sendable, Equatable {
        public var schema: String
        public var tasks: Int
        public var logs: Int
    }

    let connection: PGConnection
    /// Lines inserted per statement.
    var batchSize = 2_000

    public init(connection: PGConnection) { self.connection = connection }

    /// A schema name for `file` when none is given: `archive_2025_01` (`_part2` for later parts).
    public static func defaultSchema(forFile file: String) -> String {
        let name = DurableFile.split(file).name
        let stem = name.hasPrefix("execution-") && name.hasSuffix(".jsonl.gz")
            ? String(name.dropFirst("execution-".count).dropLast(".jsonl.gz".count)) : "restore"
        return "archive_" + stem.map { $0.isLetter || $0.isNumber ? String($0).lowercased() : "_" }.joined()
    }

    /// Checks `path` against its folder's manifest, then loads it into `schema` in one transaction.
    public func restore(path: String, schema: String) throws -> Result {
        guard (1...63).contains(schema.utf8.count), let first = schema.unicodeScalars.first, first == "_" || ("a"..."z").contains(first),
              schema.unicodeScalars.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }) else {
            throw ArchiveError("\(schema.debugDescription) is not a schema name this command creates.",
                               advice: "Use lowercase letters, digits and underscores, starting with a letter.")
        }
        let (folder, name) = DurableFile.split(path)
        guard let entry = try ArchiveManifest.load(folder: folder).entry(named: name) else {
            throw ArchiveError("\(path) is not listed in \(folder)/\(ArchiveManifest.fileName).",
                               advice: "Restore a file from the folder an archive run wrote, beside its manifest.")
        }
        if let successor = entry.supersededBy {
            throw ArchiveError("\(path) is superseded by \(successor): audit rows arrived for some of its tasks after it was written, "
                               + "so it is not what left the database.",
                               advice: "Restore \(folder)/\(successor), which holds the part as it left.")
        }
        if let problem = ArchiveVerifier.problem(of: entry, in: folder) {
            throw ArchiveError("\(path) does not match its manifest entry: \(problem).",
                               advice: "Restore the file from a copy, then run `switchyard archive verify \(folder)`.")
        }
        do {
            return try load(path: path, schema: schema)
        } catch let error as DatabaseError where error.sqlState == .uniqueViolation {
            throw ArchiveError("\(schema) already holds rows of \(path) (\(error.detail ?? error.message)).",
                               advice: "Query them there, or drop the schema (DROP SCHEMA \(schema) CASCADE) or restore into a schema of another name.")
        }
    }

    private func load(path: String, schema: String) throws -> Result {
        try connection.transaction { connection in
            try connection.execute(Query("CREATE SCHEMA IF NOT EXISTS \(schema)", parameters: []))
            for table in ["execution_tasks", "execution_logs"] {
                try connection.execute(Query("""
                    CREATE TABLE IF NOT EXISTS \(schema).\(table)
                        (LIKE \(table) INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING GENERATED)
                    """, parameters: []))
            }
            let reader = try GzipFileReader(path: path)
            var result = Result(schema: schema, tasks: 0, logs: 0)
            var (tasks, logs): ([String], [String]) = ([], [])
            func flush() throws {
                result.tasks += try insert(tasks, into: "\(schema).execution_tasks", on: connection)
                result.logs += try insert(logs, into: "\(schema).execution_logs", on: connection)
                (tasks, logs) = ([], [])
            }
            while let line = try reader.nextLine() {
                switch ArchiveLine.parse(line) {
                case (.task, let row)?: tasks.append(String(row))
                case (.log, let row)?: logs.append(String(row))
                case nil: throw ArchiveError("\(path) holds a line that is not a task or an audit row.")
                }
                if tasks.count + logs.count >= batchSize { try flush() }
            }
            try flush()
            return result
        }
    }

    private func insert(_ rows: [String], into table: String, on connection: PGConnection) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let query: Query = """
            INSERT INTO \(unescaped: table)
            SELECT (json_populate_record(NULL::\(unescaped: table), r.row::json)).* FROM unnest(\(rows)::text[]) AS r(row)
            """
        return try connection.execute(query.named("archiveRestoreRows")).affectedRows
    }
}
