import FoundationEssentials
import Glibc

/// `switchyard archive verify`: every file of a folder read again against its manifest entry
/// (SHA-256 of the bytes, tasks and audit rows line by line). Needs no database.
public enum ArchiveVerifier {
    /// What reading one file found.
    public struct FileRead: Sendable, Equatable {
        public var tasks: Int
        public var logs: Int
        public var bytes: Int
        public var sha256: String
    }

    /// One file's verdict: `problem` is nil when it matches its entry.
    public struct FileCheck: Sendable, Equatable {
        public var file: String
        public var entry: ArchiveManifest.Entry?
        public var problem: String?
        public var isGood: Bool { problem == nil }
    }

    /// Reads a whole archive file: its lines by kind, its size and hash. A line of any other
    /// shape is an error naming its number.
    public static func read(path: String) throws -> FileRead {
        let reader = try GzipFileReader(path: path)
        var (tasks, logs, number) = (0, 0, 0)
        while let line = try reader.nextLine() {
            number += 1
            switch ArchiveLine.parse(line)?.kind {
            case .task: tasks += 1
            case .log: logs += 1
            case nil:
                throw ArchiveError("\(path), line \(number), is not a task or an audit row of an archive file.",
                                   advice: "The file is damaged or not a Switchyard archive; restore it from a copy.")
            }
        }
        return FileRead(tasks: tasks, logs: logs, bytes: reader.bytesRead, sha256: try reader.finishDigest())
    }

    /// Checks every manifest entry of `folder`, and names archive files the manifest does not list.
    public static func verify(folder: String) throws -> [FileCheck] {
        guard try DurableFile.read(folder + "/" + ArchiveManifest.fileName) != nil else {
            throw ArchiveError("\(folder) has no \(ArchiveManifest.fileName).",
                               advice: "Give the folder an archive run wrote its files and manifest to.")
        }
        let manifest = try ArchiveManifest.load(folder: folder)
        var checks = manifest.files.map { entry in
            FileCheck(file: entry.file, entry: entry, problem: problem(of: entry, in: folder))
        }
        for name in try archiveFiles(in: folder) where manifest.entry(named: name) == nil {
            checks.append(FileCheck(file: name, entry: nil, problem: "not in the manifest"))
        }
        return checks
    }

    /// What is wrong with the file of `entry`, or nil.
    static func problem(of entry: ArchiveManifest.Entry, in folder: String) -> String? {
        let path = folder + "/" + entry.file
        guard access(path, F_OK) == 0 else { return "missing" }
        do {
            let read = try read(path: path)
            var problems: [String] = []
            if read.sha256 != entry.sha256 { problems.append("SHA-256 \(read.sha256.prefix(12))…, the manifest says \(entry.sha256.prefix(12))…") }
            if read.bytes != entry.bytes { problems.append("\(read.bytes) bytes, the manifest says \(entry.bytes)") }
            if read.tasks != entry.tasks { problems.append("\(read.tasks) tasks, the manifest says \(entry.tasks)") }
            if read.logs != entry.logs { problems.append("\(read.logs) audit rows, the manifest says \(entry.logs)") }
            return problems.isEmpty ? nil : problems.joined(separator: "; ")
        } catch let error as ArchiveError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// Names of archive files (`execution-*.jsonl.gz`) in `folder`.
    static func archiveFiles(in folder: String) throws -> [String] {
        guard let directory = opendir(folder) else { throw ArchiveError.system("open the folder", folder) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix("execution-"), name.hasSuffix(".jsonl.gz") { names.append(name) }
        }
        return names.sorted()
    }
}
