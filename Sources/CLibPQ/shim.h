#ifndef SWITCHYARD_CLIBPQ_SHIM_H
#define SWITCHYARD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#include <poll.h>

/// PG_DIAG_* are character macros, which Swift does not import: these are copies (docs/pitfalls.md).
static const int swy_diag_sqlstate = PG_DIAG_SQLSTATE;
static const int swy_diag_message_primary = PG_DIAG_MESSAGE_PRIMARY;
static const int swy_diag_message_detail = PG_DIAG_MESSAGE_DETAIL;
static const int swy_diag_message_hint = PG_DIAG_MESSAGE_HINT;

/// A notice processor that drops server NOTICEs, which would otherwise garble a full-screen terminal.
static void swy_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }
static inline void swy_silence_notices(PGconn *conn) { PQsetNoticeProcessor(conn, swy_ignore_notice, 0); }

/// Waits until `socket` is readable or `timeout_ms` passes; returns poll()'s result. POLLIN is a macro.
static inline int swy_wait_readable(int socket, int timeout_ms) {
    struct pollfd fd = { .fd = socket, .events = POLLIN, .revents = 0 };
    return poll(&fd, 1, timeout_ms);
}
/// Waits until `socket` or `wake` is readable, or `timeout_ms` passes. Returns -1 on error
/// (errno set), otherwise a bit set: 1 when `socket` is readable, 2 when `wake` is.
static inline int swy_wait_readable_or_woken(int socket, int wake, int timeout_ms) {
    struct pollfd fds[2] = { { .fd = socket, .events = POLLIN, .revents = 0 },
                             { .fd = wake, .events = POLLIN, .revents = 0 } };
    int ready = poll(fds, 2, timeout_ms);
    if (ready < 0) return -1;
    return (fds[0].revents ? 1 : 0) | (fds[1].revents ? 2 : 0);
}
/// Waits until `socket` is readable (or also writable, when `for_write`; an error or a hang-up
/// counts as ready, libpq then reports it), `wake` is readable (-1: no wake descriptor), or
/// `timeout_ms` passes (-1: no limit). Returns -1 on error (errno set), otherwise a bit set:
/// 1 when `socket` is ready, 2 when `wake` is. POLLIN and POLLOUT are macros.
static inline int swy_wait_socket(int socket, int for_write, int wake, int timeout_ms) {
    struct pollfd fds[2] = { { .fd = socket, .events = (short)(POLLIN | (for_write ? POLLOUT : 0)), .revents = 0 },
                             { .fd = wake, .events = POLLIN, .revents = 0 } };
    int ready = poll(fds, wake >= 0 ? 2 : 1, timeout_ms);
    if (ready < 0) return -1;
    return (fds[0].revents ? 1 : 0) | (wake >= 0 && fds[1].revents ? 2 : 0);
}
#endif
