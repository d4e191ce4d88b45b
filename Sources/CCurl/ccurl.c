// libcurl through dlopen: variadic curl_easy_setopt/getinfo cannot be called from Swift, and
// linking libcurl would map it (and the libraries it needs) into every process at start,
// dashboards included, for the rare alert webhook. Constants are libcurl's stable ABI values
// (curl/curl.h), declared here so that no development package is needed to build.
#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef void CURL;
struct curl_slist;

enum {
    CURLOPT_URL = 10002, CURLOPT_POSTFIELDS = 10015, CURLOPT_POSTFIELDSIZE_LARGE = 30120,
    CURLOPT_HTTPHEADER = 10023, CURLOPT_TIMEOUT_MS = 155, CURLOPT_NOSIGNAL = 99,
    CURLOPT_WRITEFUNCTION = 20011, CURLOPT_ERRORBUFFER = 10010, CURLOPT_POST = 47,
    CURLOPT_WRITEDATA = 10001, CURLOPT_HEADERFUNCTION = 20079, CURLOPT_HEADERDATA = 10029, CURLOPT_HTTPGET = 80,
    CURLOPT_SSL_VERIFYPEER = 64, CURLOPT_SSL_VERIFYHOST = 81,
    CURLINFO_RESPONSE_CODE = 0x200002,
    CURLE_OK = 0, CURLE_COULDNT_RESOLVE_HOST = 6, CURLE_COULDNT_CONNECT = 7, CURLE_OPERATION_TIMEDOUT = 28,
    CURLE_SSL_CONNECT_ERROR = 35, CURLE_PEER_FAILED_VERIFICATION = 60, CURLE_SSL_CACERT_BADFILE = 77,
    CURLE_GOT_NOTHING = 52, CURLE_SEND_ERROR = 55, CURLE_RECV_ERROR = 56, CURLE_PARTIAL_FILE = 18,
    CURL_GLOBAL_ALL = 3, CURL_ERROR_SIZE = 256
};

static struct {
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    const char *(*easy_strerror)(int);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    int loaded;
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    *(void **)&curl.global_init = dlsym(library, "curl_global_init");
    *(void **)&curl.easy_init = dlsym(library, "curl_easy_init");
    *(void **)&curl.easy_setopt = dlsym(library, "curl_easy_setopt");
    *(void **)&curl.easy_perform = dlsym(library, "curl_easy_perform");
    *(void **)&curl.easy_getinfo = dlsym(library, "curl_easy_getinfo");
    *(void **)&curl.easy_cleanup = dlsym(library, "curl_easy_cleanup");
    *(void **)&curl.easy_reset = dlsym(library, "curl_easy_reset");
    *(void **)&curl.easy_strerror = dlsym(library, "curl_easy_strerror");
    *(void **)&curl.slist_append = dlsym(library, "curl_slist_append");
    *(void **)&curl.slist_free_all = dlsym(library, "curl_slist_free_all");
    if (!curl.global_init || !curl.easy_init || !curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo
        || !curl.easy_cleanup || !curl.easy_reset || !curl.easy_strerror || !curl.slist_append || !curl.slist_free_all) return;
    // curl_global_init is not thread-safe: pthread_once runs it exactly once.
    curl.loaded = curl.global_init(CURL_GLOBAL_ALL) == CURLE_OK;
}

// Easy handles kept between requests: each keeps its connections open (libcurl's connection
// cache lives in the handle), so the next request to the same broker reuses one instead of
// connecting (and negotiating TLS) again. A handle is used by one thread at a time: taken from
// the pool for a request, put back after. Any thread may take any handle.
enum { POOL_SIZE = 32 };
static CURL *pool[POOL_SIZE];
static int pooled = 0;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static CURL *take_handle(void) {
    CURL *handle = NULL;
    pthread_mutex_lock(&pool_lock);
    if (pooled > 0) handle = pool[--pooled];
    pthread_mutex_unlock(&pool_lock);
    if (handle) {
        curl.easy_reset(handle);   // options back to defaults; open connections are kept
        return handle;
    }
    return curl.easy_init();
}

static void return_handle(CURL *handle) {
    pthread_mutex_lock(&pool_lock);
    if (pooled < POOL_SIZE) {
        pool[pooled++] = handle;
        handle = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    if (handle) curl.easy_cleanup(handle);
}

/// Appends the answer's body to the swy_http_answer, up to its limit.
static size_t keep_body(char *data, size_t size, size_t count, void *context) {
    struct swy_http_answer *answer = context;
    size_t length = size * count;
    if (answer->body_length + length > SWY_HTTP_BODY_LIMIT) return 0;   // too long: the transfer fails
    char *grown = realloc(answer->body, answer->body_length + length + 1);
    if (!grown) return 0;
    memcpy(grown + answer->body_length, data, length);
    answer->body = grown;
    answer->body_length += length;
    answer->body[answer->body_length] = 0;
    return length;
}

/// Whether a header line is `name: ...` (any case); then its value's start.
static const char *header_value(const char *line, size_t length, const char *name) {
    size_t name_length = strlen(name);
    if (length <= name_length || strncasecmp(line, name, name_length) != 0 || line[name_length] != ':') return NULL;
    const char *value = line + name_length + 1;
    while (value < line + length && (*value == ' ' || *value == '\t')) value++;
    return value;
}

/// Reads Retry-After (seconds; an HTTP date is not understood and ignored) and Idempotent-Replayed.
static size_t read_header(char *data, size_t size, size_t count, void *context) {
    struct swy_http_answer *answer = context;
    size_t length = size * count;
    const char *value;
    if ((value = header_value(data, length, "retry-after"))) {
        char *end = NULL;
        long seconds = strtol(value, &end, 10);
        if (end != value && seconds >= 0) answer->retry_after = seconds;
    } else if ((value = header_value(data, length, "idempotent-replayed"))) {
        answer->replayed = strncasecmp(value, "true", 4) == 0;
    }
    return length;
}

int swy_http_request(const char *method, const char *url, const char *body, size_t length, const char *const *headers,
                     int header_count, long timeout_ms, struct swy_http_answer *answer) {
    memset(answer, 0, sizeof *answer);
    answer->retry_after = -1;
    pthread_once(&load_once, load);
    if (!curl.loaded) return SWY_POST_NO_LIBCURL;
    CURL *handle = take_handle();
    if (!handle) return SWY_POST_NO_LIBCURL;
    struct curl_slist *list = NULL;
    for (int i = 0; i < header_count; i++) list = curl.slist_append(list, headers[i]);
    char message[CURL_ERROR_SIZE] = "";
    curl.easy_setopt(handle, CURLOPT_URL, url);
    if (strcmp(method, "POST") == 0) {
        curl.easy_setopt(handle, CURLOPT_POST, 1L);
        curl.easy_setopt(handle, CURLOPT_POSTFIELDS, body ? body : "");
        curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (long long)length);
    } else {
        curl.easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    }
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    // No signals from libcurl's resolver timeouts: this runs on a thread of a larger process.
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    // libcurl's defaults, said again: a broker's certificate and name are always checked.
    curl.easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl.easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, keep_body);
    curl.easy_setopt(handle, CURLOPT_WRITEDATA, answer);
    curl.easy_setopt(handle, CURLOPT_HEADERFUNCTION, read_header);
    curl.easy_setopt(handle, CURLOPT_HEADERDATA, answer);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, message);
    int code = curl.easy_perform(handle);
    if (code == CURLE_OK) curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &answer->status);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, NULL);   // `message` ends with this call
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, NULL);
    curl.slist_free_all(list);
    return_handle(handle);
    switch (code) {
    case CURLE_OK: return SWY_POST_ANSWERED;
    case CURLE_COULDNT_RESOLVE_HOST: return SWY_POST_HOST_NOT_FOUND;
    case CURLE_COULDNT_CONNECT: return SWY_POST_REFUSED;
    case CURLE_OPERATION_TIMEDOUT: return SWY_POST_TIMED_OUT;
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CACERT_BADFILE:
        // libcurl's words say which check failed (a self-signed certificate, another host name).
        snprintf(answer->error, sizeof answer->error, "%s", message[0] ? message : curl.easy_strerror(code));
        return SWY_POST_TLS_FAILED;
    case CURLE_GOT_NOTHING: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_PARTIAL_FILE:
        return SWY_POST_DROPPED;
    default:
        snprintf(answer->error, sizeof answer->error, "%s", message[0] ? message : curl.easy_strerror(code));
        return SWY_POST_OTHER;
    }
}

void swy_http_answer_free(struct swy_http_answer *answer) {
    free(answer->body);
    answer->body = NULL;
    answer->body_length = 0;
}

int swy_http_post(const char *url, const char *body, size_t length, const char *const *headers, int header_count,
                  long timeout_ms, long *status, char *error, size_t error_size) {
    struct swy_http_answer answer;
    int outcome = swy_http_request("POST", url, body, length, headers, header_count, timeout_ms, &answer);
    *status = answer.status;
    snprintf(error, error_size, "%s", answer.error);
    swy_http_answer_free(&answer);
    // The alert sender knows no dropped connection: a network error with libcurl's words.
    if (outcome == SWY_POST_DROPPED) {
        snprintf(error, error_size, "the server closed the connection without a full answer");
        return SWY_POST_OTHER;
    }
    return outcome;
}
