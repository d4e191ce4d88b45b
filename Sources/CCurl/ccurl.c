// libcurl through dlopen: variadic curl_easy_setopt/getinfo cannot be called from Swift, and
// linking libcurl would map it (and the libraries it needs) into every process at start,
// dashboards included, for the rare alert webhook. Constants are libcurl's stable ABI values
// (curl/curl.h), declared here so that no development package is needed to build.
#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef void CURL;
struct curl_slist;

enum {
    CURLOPT_URL = 10002, CURLOPT_POSTFIELDS = 10015, CURLOPT_POSTFIELDSIZE_LARGE = 30120,
    CURLOPT_HTTPHEADER = 10023, CURLOPT_TIMEOUT_MS = 155, CURLOPT_NOSIGNAL = 99,
    CURLOPT_WRITEFUNCTION = 20011, CURLOPT_ERRORBUFFER = 10010, CURLOPT_POST = 47,
    CURLINFO_RESPONSE_CODE = 0x200002,
    CURLE_OK = 0, CURLE_COULDNT_RESOLVE_HOST = 6, CURLE_COULDNT_CONNECT = 7, CURLE_OPERATION_TIMEDOUT = 28,
    CURLE_SSL_CONNECT_ERROR = 35, CURLE_PEER_FAILED_VERIFICATION = 60, CURLE_SSL_CACERT_BADFILE = 77,
    CURL_GLOBAL_ALL = 3, CURL_ERROR_SIZE = 256
};

static struct {
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
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
    *(void **)&curl.easy_strerror = dlsym(library, "curl_easy_strerror");
    *(void **)&curl.slist_append = dlsym(library, "curl_slist_append");
    *(void **)&curl.slist_free_all = dlsym(library, "curl_slist_free_all");
    if (!curl.global_init || !curl.easy_init || !curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo
        || !curl.easy_cleanup || !curl.easy_strerror || !curl.slist_append || !curl.slist_free_all) return;
    // curl_global_init is not thread-safe: pthread_once runs it exactly once.
    curl.loaded = curl.global_init(CURL_GLOBAL_ALL) == CURLE_OK;
}

/// The answer's body is not needed: only its status.
static size_t discard(char *data, size_t size, size_t count, void *context) {
    (void)data; (void)context;
    return size * count;
}

int swy_http_post(const char *url, const char *body, size_t length, const char *const *headers, int header_count,
                  long timeout_ms, long *status, char *error, size_t error_size) {
    pthread_once(&load_once, load);
    if (!curl.loaded) return SWY_POST_NO_LIBCURL;
    CURL *handle = curl.easy_init();
    if (!handle) return SWY_POST_NO_LIBCURL;
    struct curl_slist *list = NULL;
    for (int i = 0; i < header_count; i++) list = curl.slist_append(list, headers[i]);
    char message[CURL_ERROR_SIZE] = "";
    curl.easy_setopt(handle, CURLOPT_URL, url);
    curl.easy_setopt(handle, CURLOPT_POST, 1L);
    curl.easy_setopt(handle, CURLOPT_POSTFIELDS, body);
    curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (long long)length);
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    // No signals from libcurl's resolver timeouts: this runs on a thread of a larger process.
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, message);
    int code = curl.easy_perform(handle);
    long answered = 0;
    if (code == CURLE_OK) curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &answered);
    curl.easy_cleanup(handle);
    curl.slist_free_all(list);
    *status = answered;
    switch (code) {
    case CURLE_OK: return SWY_POST_ANSWERED;
    case CURLE_COULDNT_RESOLVE_HOST: return SWY_POST_HOST_NOT_FOUND;
    case CURLE_COULDNT_CONNECT: return SWY_POST_REFUSED;
    case CURLE_OPERATION_TIMEDOUT: return SWY_POST_TIMED_OUT;
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CACERT_BADFILE:
        return SWY_POST_TLS_FAILED;
    default:
        snprintf(error, error_size, "%s", message[0] ? message : curl.easy_strerror(code));
        return SWY_POST_OTHER;
    }
}
