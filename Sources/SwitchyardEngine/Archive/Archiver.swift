import FoundationEssentials

/// `switchyard archive`: moves finished work out of the hot tables, a month at a time, into
/// gzip files of JSON lines listed in the folder's `manifest.json` (docs/operations.md, "Archive").
///
/// Each month is a ledger row that only moves forward: planned (its tasks chosen and frozen),
/// deleting (its file and manifest entry synced), done (its rows gone), or superseded by a later
/// part when audit rows arrived for its tasks while they were leaving (`Archiver+Supersede`).
/// A run first finishes every month an earlier run left, so a kill at any point loses nothing
/// and, rerun, archives nothing twice. Not thread-safe: one archiver per connection.
public struct Archiver {
    public struct Config: Sendable {
        /// Tasks finished longer ago than this (on the database's clock) may leave.
        public var olderThan: TimeSpan
        /// The archive folder, an absolute path.
        public var folder: String
        /// Who archives, for the ledger.
        public var actor: String
        /// The database, as the manifest names it (never with a password).
        public var databaseLabel: String
        /// Tasks deleted per transaction, with their audit rows (about three each).
        public var batchSize = Config.defaultBatchSize
        /// Tasks read per query while a file is written.
        public var pageSize = 2_000
        public static let defaultBatchSize = 3_000

        public init(olderThan: TimeSpan, folder: String, actor: String, databaseLabel: String) {
            (self.olderThan, self.folder, self.actor, self.databaseLabel) = (olderThan, folder, actor, databaseLabel)
        }
    }

    /// Points of a run a test may stop it at (with SIGKILL) to prove a rerun finishes the job.
    public enum Checkpoint: String, Sendable, CaseIterable {
        case fileWritten = "file-written", manifestWritten = "manifest-written", batchDeleted = "batch-deleted"
    }

    /// What a run did, as it does it.
    public enum Event: Sendable {
        case resuming(LedgerRow)
        case written(LedgerRow, path: String, tasks: Int, logs: Int, bytes: Int, sha256: String)
        case deleted(LedgerRow, tasks: Int, batches: Int)
        /// Audit rows arrived for tasks of `old` after its file was written: `new` takes over.
        case superseded(LedgerRow, by: LedgerRow)
    }

    /// A month (and part) in the ledger.
    public struct LedgerRow: Sendable, Equatable {
        public var id: Int64
        public var month: String
        public var part: Int
        public var state: String
        /// The file name in the archive folder.
        public var fileName: String { "execution-\(month)" + (part > 1 ? ".part\(part)" : "") + ".jsonl.gz" }
    }

    /// Finished tasks of one month that would move, with their audit rows.
    public struct MonthPlan: Sendable, Equatable {
        public var month: String
        public var tasks: Int
        public var logs: Int
    }

    public struct Plan: Sendable {
        /// Finished before this instant (the database's clock).
        public var cutoff: Date
        /// Months an earlier run started and did not finish: this run finishes them first.
        public var inProgress: [LedgerRow]
        public var months: [MonthPlan]
        public var isEmpty: Bool { inProgress.isEmpty && months.isEmpty }
    }

    public struct Summary: Sendable, Equatable {
        public var months = 0
        public var tasks = 0
        public var logs = 0
    }

    let connection: PGConnection
    let config: Config
    let checkpoint: (Checkpoint) -> Void
    let report: (Event) -> Void

    public init(connection: PGConnection, config: Config, checkpoint: @escaping (Checkpoint) -> Void = { _ in },
                report: @escaping (Event) -> Void = { _ in }) {
        (self.connection, self.config, self.checkpoint, self.report) = (connection, config, checkpoint, report)
    }

    /// Takes the database's archive lock (held until the connection closes) and says what a run
    /// would do. Changes nothing but a temporary table of this session.
    public func plan() throws -> Plan {
        guard try connection.execute(ArchiveQueries.hasLedger).first?.decode("present", as: Bool.self) == true else {
            throw ArchiveError("This database has no archive ledger (migration 15).", advice: "Run `switchyard migrate up` first.")
        }
        guard try connection.execute(ArchiveQueries.hasSupersededParts).first?.decode("present", as: Bool.self) == true else {
            throw ArchiveError("This database's archive ledger cannot supersede a part yet (migration 19).",
                               advice: "Run `switchyard migrate up` first.")
        }
        guard try connection.execute(ArchiveQueries.tryLock()).first?.decode("locked", as: Bool.self) == true else {
            throw ArchiveError("Another `switchyard archive` is running against this database.",
                               advice: "Wait for it to finish; a run that was killed releases the lock with its connection.")
        }
        let inProgress = try connection.execute(ArchiveQueries.inProgress).rows.map(LedgerRow.init(row:))
        let cutoff: Date = try connection.execute(ArchiveQueries.cutoff(olderThan: config.olderThan)).first!.decode("cutoff")
        for query in ArchiveQueries.chooseCandidates(cutoff: cutoff) { try connection.execute(query) }
        let months = try connection.execute(ArchiveQueries.candidateMonths).rows.map { row in
            MonthPlan(month: try row.decode("month"), tasks: try row.decode("tasks"), logs: try row.decode("logs"))
        }
        return Plan(cutoff: cutoff, inProgress: inProgress, months: months)
    }

    /// Finishes the months in progress, then archives the planned ones, each to the end.
    public func run(_ plan: Plan) throws -> Summary {
        var summary = Summary()
        for row in plan.inProgress {
            report(.resuming(row))
            summary.add(try finish(row))
        }
        for month in plan.months {
            let row = try connection.transaction { connection in
                let ledger = try connection.execute(ArchiveQueries.insertLedger(month: month.month, cutoff: plan.cutoff,
                                                                                actor: config.actor)).first!
                let row = LedgerRow(id: try ledger.decode("id"), month: month.month, part: try ledger.decode("part"), state: "planned")
                try connection.execute(ArchiveQueries.insertMembers(ledger: row.id, month: month.month))
                return row
            }
            summary.add(try finish(row))
        }
        return summary
    }

    /// Takes one ledger row from where it is to done; returns the tasks and audit rows it moved.
    func finish(_ row: LedgerRow) throws -> (tasks: Int, logs: Int) {
        if row.state == "planned" { try write(row) }
        return try delete(row)
    }

    /// Writes the month's file, checks it on disk, records it in the manifest, then in the ledger.
    /// Rewriting a planned month is always safe: none of its rows has left yet.
    private func write(_ row: LedgerRow) throws {
        try connection.execute(ArchiveQueries.pruneMembers(ledger: row.id))
        let superseded = try supersededPart(of: row)
        let path = config.folder + "/" + row.fileName
        for _ in 1...3 {
            let totals = try connection.execute(ArchiveQueries.memberTotals(ledger: row.id)).first!
            let expected = (tasks: try totals.decode("tasks", as: Int.self), logs: try totals.decode("logs", as: Int.self))
            let written = try writeFile(row, path: path, carrying: superseded)
            checkpoint(.fileWritten)
            guard written.tasks - written.carried.tasks == expected.tasks, written.logs - written.carried.logs == expected.logs else {
                // An audit row arrived for a task of the month after it was chosen: count again.
                try connection.execute(ArchiveQueries.recountMembers(ledger: row.id))
                continue
            }
            let check = try ArchiveVerifier.read(path: path)
            guard check.sha256 == written.sha256, check.tasks == written.tasks, check.logs == written.logs else {
                throw ArchiveError("\(path) reads back differently from what was written (\(check.tasks) tasks, \(check.logs) audit rows).",
                                   advice: "Check the disk; run `switchyard archive` again to write the month again.")
            }
            var manifest = try ArchiveManifest.load(folder: config.folder)
            manifest.record(.init(file: row.fileName, month: row.month, part: row.part, ledgerID: row.id,
                                  tasks: written.tasks, logs: written.logs, bytes: written.bytes, sha256: written.sha256,
                                  database: config.databaseLabel))
            if let superseded { manifest.markSuperseded(superseded.row.fileName, by: row.fileName) }
            try manifest.save(folder: config.folder)
            checkpoint(.manifestWritten)
            try connection.execute(ArchiveQueries.markWritten(ledger: row.id, file: path, tasks: written.tasks, logs: written.logs,
                                                              bytes: written.bytes, sha256: written.sha256))
            report(.written(row, path: path, tasks: written.tasks, logs: written.logs, bytes: written.bytes, sha256: written.sha256))
            return
        }
        throw ArchiveError("Audit rows keep arriving for tasks of \(row.month) while they are archived.",
                           advice: "Find what writes audit rows for tasks finished long ago, then run `switchyard archive` again.")
    }

    /// Writes the file of `row`: first what already left of the part it supersedes, if any, then
    /// its members with their audit rows.
    private func writeFile(_ row: LedgerRow, path: String, carrying superseded: SupersededPart?) throws
        -> (tasks: Int, logs: Int, bytes: Int, sha256: String, carried: (tasks: Int, logs: Int)) {
        let writer = try GzipFileWriter(path: path)
        let carried = try superseded.map { try carry($0, into: writer, except: row) } ?? (tasks: 0, logs: 0)
        var (after, tasks, logs) = (0, carried.tasks, carried.logs)
        while true {
            let page = try connection.execute(ArchiveQueries.taskPage(ledger: row.id, after: after, limit: config.pageSize)).rows
            guard !page.isEmpty else { break }
            let ids = try page.map { try $0.decode("id", as: Int.self) }
            for task in page { try writer.writeLine(ArchiveLine.task(try task.decode("row"))) }
            let logRows = try connection.execute(ArchiveQueries.logRows(taskIDs: ids)).rows
            for log in logRows { try writer.writeLine(ArchiveLine.log(try log.decode("row"))) }
            (after, tasks, logs) = (ids.last!, tasks + page.count, logs + logRows.count)
        }
        let sha256 = try writer.finish()
        return (tasks, logs, writer.bytesWritten, sha256, carried)
    }

    /// Removes the month's rows in batches, each its own transaction through the one audited
    /// path; a rerun starts again from the first member (those already gone cost an index probe).
    /// A batch with a task whose audit rows are no longer those its file holds (a late row)
    /// deletes nothing: the part is superseded by a new one, which is finished instead.
    private func delete(_ row: LedgerRow) throws -> (tasks: Int, logs: Int) {
        var (after, batches, tasks, logs) = (0, 0, 0, 0)
        while true {
            let batch = try connection.transaction { connection -> (ids: [Int], tasks: Int, logs: Int, late: Bool) in
                try connection.execute(ArchiveQueries.claimDeletion(ledger: row.id))
                let ids = try connection.execute(ArchiveQueries.memberBatch(ledger: row.id, after: after, limit: config.batchSize))
                    .rows.map { try $0.decode("task_id", as: Int.self) }
                guard !ids.isEmpty else { return ([], 0, 0, false) }
                try connection.execute(ArchiveQueries.lockBatch(taskIDs: ids))
                let late: Int = try connection.execute(ArchiveQueries.lateMembers(ledger: row.id, taskIDs: ids)).first!.decode("late")
                guard late == 0 else { return (ids, 0, 0, true) }
                let deleted = try connection.execute(ArchiveQueries.deleteTasks(taskIDs: ids)).first!
                return (ids, try deleted.decode("tasks"), try deleted.decode("logs"), false)
            }
            if batch.late {
                if batches > 0 { report(.deleted(row, tasks: tasks, batches: batches)) }
                let rest = try finish(try supersede(row))
                return (tasks + rest.tasks, logs + rest.logs)
            }
            guard let last = batch.ids.last else { break }
            (after, batches, tasks, logs) = (last, batches + 1, tasks + batch.tasks, logs + batch.logs)
            checkpoint(.batchDeleted)
        }
        let remaining: Int = try connection.execute(ArchiveQueries.remainingMembers(ledger: row.id)).first!.decode("remaining")
        guard remaining == 0 else {
            throw ArchiveError("\(remaining) tasks of \(row.month) are still in the database after their rows were deleted.",
                               advice: "Run `switchyard archive` again to finish the month.")
        }
        try connection.transaction { connection in
            for query in ArchiveQueries.markDone(ledger: row.id) { try connection.execute(query) }
        }
        report(.deleted(row, tasks: tasks, batches: batches))
        return (tasks, logs)
    }
}

extension Archiver.Summary {
    mutating func add(_ moved: (tasks: Int, logs: Int)) {
        months += 1
        tasks += moved.tasks
        logs += moved.logs
    }
}

extension Archiver.LedgerRow {
    init(row: Row) throws {
        self.init(id: try row.decode("id"), month: try row.decode("month"), part: try row.decode("part"), state: try row.decode("state"))
    }
}
