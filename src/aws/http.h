/* SigV4-signed form POSTs to an AWS Query API endpoint with libcurl: timeouts, TLS verification, one retry. */
#ifndef STS_AWS_HTTP_H
#define STS_AWS_HTTP_H
#include <stdint.h>
#include "util/buf.h"

/** Where and how to call. Immutable once the client is initialised. */
typedef struct {
    const char *url;         /**< e.g. "https://rgw.example:8443/"; may carry user information, never logged */
    const char *host_header; /**< the Host value the signature covers, from url */
    const char *path;        /**< the URL's path, "/" when empty */
    const char *region;
    long connect_timeout_ms;
    long timeout_ms;
    const char *ca_file; /**< NULL: the system's CA store */
    int insecure;        /**< skip TLS verification (logged at startup) */
} sts_aws_endpoint_t;

/** What happened to one POST (and, for sts_aws_client_call, to reading its answer). */
typedef enum {
    STS_AWS_ANSWERED,    /**< an HTTP response arrived (any status) */
    STS_AWS_UNREACHABLE, /**< could not connect or the exchange broke */
    STS_AWS_TIMED_OUT,   /**< the endpoint's own timeout ran out */
    STS_AWS_DEADLINE,    /**< the caller's deadline ran out first */
    STS_AWS_TOO_LARGE,   /**< the response exceeded the body limit */
    STS_AWS_MALFORMED,   /**< a 200 whose body is not AWS XML (set by sts_aws_client_call only) */
} sts_aws_outcome_t;

typedef struct {
    sts_aws_outcome_t outcome;
    long http_status;
    char cause[256]; /**< curl's explanation when not ANSWERED; never holds a secret */
} sts_aws_http_result_t;

/**
 * Releases libcurl at exit, when a client (sts_aws_client_init) loaded it: the calling thread's handle and its
 * global state. Call it once, after every other thread has stopped.
 */
void sts_aws_http_global_cleanup(void);

/**
 * Makes every upstream call in progress, and every later one, fail at once as UNREACHABLE ("stsd is shutting
 * down"). For the end of a shutdown drain. Thread-safe.
 */
void sts_aws_http_abort_all(void);

/**
 * POSTs form (already URI-encoded) signed with SigV4 for service ("sts", "iam"), appending the body to response
 * (bounded by its maximum). deadline_ns (CLOCK_MONOTONIC, 0 for none) caps the total time, and its running out cancels
 * the call. Retries once, after a jittered pause, when the connection could not be made. Uses a libcurl handle kept per
 * thread, so connections to the endpoint are reused. request_id (NULL for none) is sent as X-Request-Id, outside the
 * signature, so the peer's logs can be tied to ours. Thread-safe.
 */
void sts_aws_http_post(const sts_aws_endpoint_t *endpoint, const char *service, const char *access_key,
                       const char *secret_key, const char *form, const char *request_id, int64_t deadline_ns,
                       sts_buf_t *response, sts_aws_http_result_t *result);

#endif
