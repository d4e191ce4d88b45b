import CLibCrypto

/// A running SHA-256 through OpenSSL's EVP interface; `hex` ends it.
///
/// Owned by one caller at a time (archive files are written and read on one thread).
final class SHA256Digest {
    private let context: OpaquePointer

    init() {
        // EVP_MD_CTX_new fails only when out of memory.
        context = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// The digest as 64 lowercase hex digits, as `sha256sum` prints it.
    func hex() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        let hexDigits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest.prefix(Int(length)) {
            text += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0f)]]
        }
        return String(decoding: text, as: UTF8.self)
    }
}

@available(*, unavailable)
extension SHA256Digest: Sendable {}
