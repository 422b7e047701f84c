/* One REST call to stsd with libcurl, and the messages for everything that can go wrong with it. */
#ifndef STS_CTL_HTTP_H
#define STS_CTL_HTTP_H
#include "ctl/ctl.h"
#include "util/buf.h"

/** Largest response body stsctl reads; a larger one is an error. */
#define STS_CTL_RESPONSE_MAX (4 * 1024 * 1024)

/**
 * Sends method to ctl->url + path (path starts with '/' and may carry a query) with body (JSON, or NULL for none)
 * and, when bearer is not NULL, "Authorization: Bearer <bearer>". Redirects are not followed (they would carry the
 * token elsewhere); TLS is verified with ctl->cacert or the system store. The response body is appended to response
 * (initialised by the caller with STS_CTL_RESPONSE_MAX or less).
 * Returns STS_CTL_EXIT_OK for a 2xx answer. Otherwise prints one line on stderr naming the method, the server URL
 * (without any user:password@), the HTTP status and the service's JSON error message (or curl's reason when no
 * answer came), never a token or body bytes that are not such a message, and returns STS_CTL_EXIT_FAILED.
 * Needs curl_global_init. Not thread-safe (one call at a time per process is all stsctl needs).
 */
int sts_ctl_http_call(const sts_ctl_t *ctl, const char *method, const char *path, const char *body, const char *bearer,
                      sts_buf_t *response);

#endif
