/* Signed form POSTs to an STS endpoint with libcurl: timeouts, TLS verification, one retry on connect failure. */
#ifndef STS_ISSUER_UPSTREAM_HTTP_H
#define STS_ISSUER_UPSTREAM_HTTP_H
#include <stdint.h>
#include "util/buf.h"

/** Where and how to call. Immutable once the issuer is created. */
typedef struct {
    const char *url;         /**< e.g. "https://rgw.example:8443/" */
    const char *host_header; /**< the Host value the signature covers, from url */
    const char *path;        /**< the URL's path, "/" when empty */
    const char *region;
    long connect_timeout_ms;
    long timeout_ms;
    const char *ca_file; /**< NULL: the system's CA store */
    int insecure;        /**< skip TLS verification (logged at startup) */
} sts_upstream_endpoint_t;

/** What happened to one POST. */
typedef enum {
    STS_UPSTREAM_ANSWERED,    /**< an HTTP response arrived (any status) */
    STS_UPSTREAM_UNREACHABLE, /**< could not connect or the exchange broke */
    STS_UPSTREAM_TIMED_OUT,   /**< the endpoint's own timeout ran out */
    STS_UPSTREAM_DEADLINE,    /**< the caller's deadline ran out first */
    STS_UPSTREAM_TOO_LARGE,   /**< the response exceeded the body limit */
} sts_upstream_outcome_t;

typedef struct {
    sts_upstream_outcome_t outcome;
    long http_status;
    char cause[256]; /**< curl's explanation when not ANSWERED; never holds a secret */
} sts_upstream_result_t;

/**
 * Prepares libcurl once per process (call before starting threads) and releases it at exit.
 */
void sts_upstream_http_global_init(void);
void sts_upstream_http_global_cleanup(void);

/**
 * Makes every upstream call in progress, and every later one, fail at once as UNREACHABLE ("stsd is shutting
 * down"). For the end of a shutdown drain. Thread-safe.
 */
void sts_upstream_http_abort_all(void);

/**
 * POSTs form (already URI-encoded) signed with SigV4 for service ("sts", "iam"), appending the body to response
 * (bounded by its maximum). deadline_ns (CLOCK_MONOTONIC, 0 for none) caps the total time, and its running out cancels
 * the call. Retries once, after a jittered pause, when the connection could not be made. Uses a libcurl handle kept per
 * thread, so connections to the endpoint are reused. Thread-safe.
 */
void sts_upstream_post(const sts_upstream_endpoint_t *endpoint, const char *service, const char *access_key,
                       const char *secret_key, const char *form, int64_t deadline_ns, sts_buf_t *response,
                       sts_upstream_result_t *result);

#endif
