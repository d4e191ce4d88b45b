#ifndef SWITCHYARD_CLIBCRYPTO_SHIM_H
#define SWITCHYARD_CLIBCRYPTO_SHIM_H
// SHA-256 of archive files through OpenSSL's libcrypto (already on every machine with libpq,
// which links it), not a Swift crypto package: only EVP's digest functions are used, and they
// import as they are. No shim functions needed.
#include <openssl/evp.h>
#endif
