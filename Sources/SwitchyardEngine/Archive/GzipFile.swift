import CZlib
import Glibc

/// Writes a gzip file (readable by `zcat`) under its temporary name, hashing the compressed
/// bytes as they go out; `finish()` syncs it and renames it into place.
final class GzipFileWriter {
    let path: String
    private let temporary: String
    private var descriptor: Int32
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 256 * 1024)
    private let digest = SHA256Digest()
    private(set) var bytesWritten = 0

    init(path: String, level: Int32 = 6) throws {
        self.path = path
        temporary = DurableFile.temporaryPath(for: path)
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ArchiveError.system("create", temporary) }
        guard swy_deflate_init_gzip(&stream, level) == Z_OK else {
            close(descriptor)
            throw ArchiveError("Could not start gzip compression for \(path) (zlib: out of memory).")
        }
    }

    deinit {
        deflateEnd(&stream)
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporary)
        }
    }

    /// Compresses `line` and a newline.
    func writeLine(_ line: String) throws {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        try compress(bytes, flush: Z_NO_FLUSH)
    }

    /// Ends the stream, syncs the file, renames it into place and syncs the folder; returns the
    /// SHA-256 of the file's bytes.
    func finish() throws -> String {
        try compress([], flush: Z_FINISH)
        let finished = descriptor
        descriptor = -1
        try DurableFile.syncAndClose(finished, path: temporary)
        try DurableFile.publish(temporary: temporary, as: path)
        return digest.hex()
    }

    private func compress(_ input: [UInt8], flush: Int32) throws {
        var input = input
        let inputCount = input.count
        try input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputCount)
            repeat {
                let status: Int32 = output.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_out = outputBuffer.baseAddress
                    stream.avail_out = UInt32(outputBuffer.count)
                    return deflate(&stream, flush)
                }
                guard status != Z_STREAM_ERROR else { throw ArchiveError("zlib could not compress \(path).") }
                let produced = output.count - Int(stream.avail_out)
                try writeOut(produced)
                if flush == Z_FINISH, status == Z_STREAM_END { break }
            } while stream.avail_out == 0 || (flush == Z_FINISH)
            stream.next_in = nil
        }
    }

    private func writeOut(_ count: Int) throws {
        guard count > 0 else { return }
        try output.withUnsafeBytes { bytes in
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[..<count])
            digest.update(chunk)
            var offset = 0
            while offset < count {
                let written = Glibc.write(descriptor, chunk.baseAddress! + offset, count - offset)
                guard written > 0 else { throw ArchiveError.system("write", temporary) }
                offset += written
            }
        }
        bytesWritten += count
    }
}

@available(*, unavailable)
extension GzipFileWriter: Sendable {}

/// Reads a gzip file line by line, hashing its compressed bytes; `sha256` and `bytesRead` are
/// the whole file's once `nextLine()` has returned nil.
final class GzipFileReader {
    let path: String
    private let descriptor: Int32
    private var stream = z_stream()
    private var input = [UInt8](repeating: 0, count: 256 * 1024)
    private var output = [UInt8](repeating: 0, count: 256 * 1024)
    private var inputStart = 0
    private var inputEnd = 0
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var ended = false
    private let digest = SHA256Digest()
    private(set) var bytesRead = 0

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError.system("open", path, advice: "Is the path right?") }
        guard swy_inflate_init_gzip(&stream) == Z_OK else {
            close(descriptor)
            throw ArchiveError("Could not start gzip decompression for \(path) (zlib: out of memory).")
        }
    }

    deinit {
        inflateEnd(&stream)
        close(descriptor)
    }

    /// The next line without its newline; nil at the end of the file.
    func nextLine() throws -> String? {
        while true {
            if let newline = pending[pendingStart...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pendingStart..<newline], as: UTF8.self)
                pendingStart = newline + 1
                if pendingStart > 1 << 20 {
                    pending.removeFirst(pendingStart)
                    pendingStart = 0
                }
                return line
            }
            if ended {
                guard pendingStart == pending.count else {
                    throw ArchiveError("\(path) ends in the middle of a line.", advice: "The file is damaged; restore it from a copy.")
                }
                return nil
            }
            try inflateMore()
        }
    }

    /// The SHA-256 of every byte of the file (reads what is left).
    func finishDigest() throws -> String {
        while try nextLine() != nil {}
        return digest.hex()
    }

    private func inflateMore() throws {
        if inputStart == inputEnd { try readInput() }
        let (status, consumed, produced) = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress! + inputStart
                stream.avail_in = UInt32(inputEnd - inputStart)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                let status = inflate(&stream, Z_NO_FLUSH)
                return (status, inputEnd - inputStart - Int(stream.avail_in), outputBuffer.count - Int(stream.avail_out))
            }
        }
        inputStart += consumed
        pending += output[..<produced]
        switch status {
        case Z_STREAM_END:
            ended = true
            // One gzip member, nothing after it: more bytes mean a damaged or foreign file.
            if inputStart == inputEnd { try readInput(allowEnd: true) }
            guard inputStart == inputEnd else { throw damaged("has bytes after its gzip stream") }
        case Z_OK, Z_BUF_ERROR:
            break
        default:
            throw damaged("is not a readable gzip file (zlib status \(status))")
        }
    }

    /// Reads the next block of the file; at its end, fails unless `allowEnd`.
    private func readInput(allowEnd: Bool = false) throws {
        let count = input.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw ArchiveError.system("read", path) }
        guard count > 0 || allowEnd else { throw damaged("is cut short: its gzip stream does not end") }
        input.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        bytesRead += count
        (inputStart, inputEnd) = (0, count)
    }

    private func damaged(_ what: String) -> ArchiveError {
        ArchiveError("\(path) \(what).", advice: "The file is incomplete or damaged; restore it from a copy.")
    }
}

@available(*, unavailable)
extension GzipFileReader: Sendable {}
