import FoundationEssentials

/// `manifest.json` in an archive folder: every file in it, with its rows and SHA-256. Rewritten
/// whole (temporary file, sync, rename, folder sync) each time an entry is added or replaced.
public struct ArchiveManifest: Codable, Equatable, Sendable {
    public static let fileName = "manifest.json"
    public static let currentFormat = "switchyard-archive/1"

    public var format = ArchiveManifest.currentFormat
    public var files: [Entry] = []

    /// One archive file: a month (and part) of finished tasks with all their audit rows.
    public struct Entry: Codable, Equatable, Sendable {
        public var file: String
        public var month: String
        public var part: Int
        public var ledgerID: Int64
        public var tasks: Int
        public var logs: Int
        public var bytes: Int
        public var sha256: String
        public var database: String
        /// The later part of the month whose file replaces this one: audit rows arrived for some
        /// of this file's tasks after it was written, so it is not what left the database. Kept,
        /// and still checked by `verify`; `restore` refuses it.
        public var supersededBy: String? = nil

        enum CodingKeys: String, CodingKey {
            case file, month, part, tasks, logs, bytes, sha256, database
            case ledgerID = "ledger_id", supersededBy = "superseded_by"
        }
    }

    public init() {}

    public func entry(named file: String) -> Entry? { files.first { $0.file == file } }

    /// Adds `entry`, replacing one for the same file.
    mutating func record(_ entry: Entry) {
        files.removeAll { $0.file == entry.file }
        files.append(entry)
        files.sort { ($0.month, $0.part) < ($1.month, $1.part) }
    }

    /// Marks the entry of `file` as replaced by `successor`'s.
    mutating func markSuperseded(_ file: String, by successor: String) {
        for index in files.indices where files[index].file == file { files[index].supersededBy = successor }
    }

    /// The manifest of `folder`; an empty one when the folder has none yet.
    public static func load(folder: String) throws -> ArchiveManifest {
        let path = folder + "/" + fileName
        guard let bytes = try DurableFile.read(path) else { return ArchiveManifest() }
        do {
            let manifest = try JSONDecoder().decode(ArchiveManifest.self, from: Data(bytes))
            guard manifest.format == currentFormat else {
                throw ArchiveError("\(path) is in format \(manifest.format.debugDescription); this build reads \(currentFormat).",
                                       advice: "Use the Switchyard version that wrote it.")
            }
            return manifest
        } catch let error as DecodingError {
            throw ArchiveError("\(path) is not a readable archive manifest: \(describeDecodingError(error)).",
                                   advice: "Restore it from a copy; each file's rows and hash are also in the database's archive ledger.")
        }
    }

    func save(folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var bytes = Array(try encoder.encode(self))
        bytes.append(UInt8(ascii: "\n"))
        try DurableFile.write(bytes, to: folder + "/" + Self.fileName)
    }
}
