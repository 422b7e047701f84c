/* libcurl, for calls to an upstream STS and JWKS fetches; loaded when the first of those is set up. */
#ifndef STS_DYNLOAD_CURL_H
#define STS_DYNLOAD_CURL_H
#include <curl/curl.h>
#include "dynload/dynload.h"

#define STS_CURL_FUNCTIONS(X)                                                                                          \
    X(curl_, easy_cleanup)                                                                                             \
    X(curl_, easy_getinfo)                                                                                             \
    X(curl_, easy_init)                                                                                                \
    X(curl_, easy_perform)                                                                                             \
    X(curl_, easy_reset)                                                                                               \
    X(curl_, easy_setopt)                                                                                              \
    X(curl_, easy_strerror)                                                                                            \
    X(curl_, free)                                                                                                     \
    X(curl_, global_cleanup)                                                                                           \
    X(curl_, global_init)                                                                                              \
    X(curl_, slist_append)                                                                                             \
    X(curl_, slist_free_all)                                                                                           \
    X(curl_, url)                                                                                                      \
    X(curl_, url_cleanup)                                                                                              \
    X(curl_, url_get)                                                                                                  \
    X(curl_, url_set)

/** The libcurl functions stsd calls: sts_curl.easy_perform is curl_easy_perform, and so on. */
typedef struct {
    STS_CURL_FUNCTIONS(STS_DYNLOAD_MEMBER)
} sts_curl_t;

/** Filled when sts_curl_library is loaded (sts_dynload_require); read-only after. */
extern sts_curl_t sts_curl;

/** libcurl, for sts_dynload_require: call it before the first use of sts_curl; loading runs curl_global_init. */
extern sts_dynload_library_t sts_curl_library;

#endif
