#ifndef SWITCHYARD_CCURL_H
#define SWITCHYARD_CCURL_H

#include <stddef.h>

/// How a POST ended: 0 when the server answered (its status in *status), else one of these.
enum swy_post_failure {
    SWY_POST_ANSWERED = 0,
    SWY_POST_NO_LIBCURL = 1,     // libcurl.so.4 could not be loaded
    SWY_POST_HOST_NOT_FOUND = 2,
    SWY_POST_REFUSED = 3,
    SWY_POST_TIMED_OUT = 4,
    SWY_POST_TLS_FAILED = 5,     // the certificate or host name did not verify; libcurl's words in `error`
    SWY_POST_OTHER = 6,          // the message is in `error`
    SWY_POST_DROPPED = 7         // the connection closed before a whole answer came (swy_http_request only)
};

/// The most of an answer's body kept; a longer one fails the request (SWY_POST_OTHER).
#define SWY_HTTP_BODY_LIMIT (1 << 20)

/// What a server answered: its status, its body (malloc'ed, NUL-terminated; free it with
/// swy_http_answer_free), `Retry-After` in seconds (-1 without one) and `Idempotent-Replayed`.
struct swy_http_answer {
    long status;
    char *body;
    size_t body_length;
    long retry_after;
    int replayed;
    char error[256];
};

/// Sends `method` ("POST" with `length` bytes of `body`, or "GET") to `url` with the
/// `header_count` header lines in `headers`, waiting at most `timeout_ms` in all, and fills
/// `answer` (always free it after). Connections are reused between calls from any thread (a
/// pool of libcurl handles); TLS peers and host names are always verified. Blocking; safe
/// from any thread. Returns SWY_POST_ANSWERED when the server answered, else why not.
int swy_http_request(const char *method, const char *url, const char *body, size_t length, const char *const *headers,
                     int header_count, long timeout_ms, struct swy_http_answer *answer);
void swy_http_answer_free(struct swy_http_answer *answer);

/// POSTs `length` bytes of `body` to `url` with the `header_count` header lines in `headers`,
/// waiting at most `timeout_ms` in all. libcurl is loaded with dlopen on the first call, so a
/// process that never posts maps none of it (it is not a link-time dependency). Blocking;
/// safe from any thread. `error` gets libcurl's message for SWY_POST_OTHER.
int swy_http_post(const char *url, const char *body, size_t length, const char *const *headers, int header_count,
                  long timeout_ms, long *status, char *error, size_t error_size);

#endif
