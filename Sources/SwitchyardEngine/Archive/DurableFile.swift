import FoundationEssentials
import Glibc

/// A failure writing or reading an archive file: what, where, and the system's reason.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var advice: String?
    public var description: String { [message, advice].compactMap { $0 }.joined(separator: "\n") }

    init(_ message: String, advice: String? = nil) {
        (self.message, self.advice) = (message, advice)
    }

    static func system(_ what: String, _ path: String, advice: String? = nil) -> Self {
        ArchiveError("Could not \(what) \(path): \(String(cString: strerror(errno))).",
                         advice: advice ?? "Check that the folder exists, is writable and has room.")
    }
}

/// Files that survive a crash: written under a temporary name, synced, renamed into place, and
/// the folder synced so the rename itself is on disk (rename(2) alone may still be in memory).
enum DurableFile {
    /// The temporary name `path` is written under until it is complete.
    static func temporaryPath(for path: String) -> String {
        let (folder, name) = split(path)
        return folder + "/." + name + ".tmp"
    }

    /// Syncs `descriptor` and closes it.
    static func syncAndClose(_ descriptor: Int32, path: String) throws {
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ArchiveError.system("sync", path) }
    }

    /// Renames the synced temporary file into place, then syncs the folder.
    static func publish(temporary: String, as path: String) throws {
        guard rename(temporary, path) == 0 else { throw ArchiveError.system("rename \(temporary) to", path) }
        try syncFolder(split(path).folder)
    }

    /// Writes `bytes` to `path` durably (the manifest).
    static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ArchiveError.system("create", temporary) }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else {
                close(descriptor)
                throw ArchiveError.system("write", temporary)
            }
            written += result
        }
        try syncAndClose(descriptor, path: temporary)
        try publish(temporary: temporary, as: path)
    }

    /// The whole file, or nil when there is none.
    static func read(_ path: String) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw ArchiveError.system("open", path)
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw ArchiveError.system("read", path) }
            if count == 0 { return bytes }
            bytes += buffer[..<count]
        }
    }

    static func syncFolder(_ folder: String) throws {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError.system("open the folder", folder) }
        try syncAndClose(descriptor, path: folder)
    }

    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (slash == path.startIndex ? "/" : String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
