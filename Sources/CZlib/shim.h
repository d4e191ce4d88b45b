#ifndef SWITCHYARD_CZLIB_SHIM_H
#define SWITCHYARD_CZLIB_SHIM_H
// Archive files are gzip (readable by zcat) written through the system's zlib: a small, stable C
// library every machine already has, instead of a Swift compression package and its dependencies.
#include <zlib.h>

/// deflateInit2 is a macro (it passes the library's version and the stream's size): gzip framing
/// (window bits 15 + 16), so the output is a .gz file with no name and no time in its header.
static inline int swy_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
/// inflateInit2 is a macro too: 15 + 16 reads gzip framing only.
static inline int swy_inflate_init_gzip(z_streamp stream) { return inflateInit2(stream, 15 + 16); }
#endif
