/* AWS Signature Version 4 (header-based), for calls to STS endpoints. */
#ifndef STS_AWS_SIGV4_H
#define STS_AWS_SIGV4_H
#include <stddef.h>
#include "util/buf.h"

/** Most headers one signed request may carry. */
#define STS_AWS_SIGV4_MAX_HEADERS 16

/** One header to sign; the name must be lower case, the value is trimmed and its inner spaces squeezed. */
typedef struct {
    const char *name;
    const char *value;
} sts_aws_sigv4_header_t;

/** A request to sign. Strings are not copied and need only live during the call. */
typedef struct {
    const char *method;                    /**< "POST" */
    const char *canonical_path;            /**< URI-encoded path, "/" when empty */
    const char *canonical_query;           /**< sorted, URI-encoded query string, "" when none */
    const sts_aws_sigv4_header_t *headers; /**< must include host (and x-amz-date, which the signature covers) */
    size_t header_count;
    const void *payload;
    size_t payload_len;
    const char *amz_date; /**< "20150830T123600Z", the same value as the x-amz-date header */
    const char *region;   /**< "us-east-1" */
    const char *service;  /**< "sts" */
} sts_aws_sigv4_request_t;

/** The intermediate texts, for tests and debugging; NULL members are skipped. */
typedef struct {
    sts_buf_t *canonical_request;
    sts_buf_t *string_to_sign;
} sts_aws_sigv4_trace_t;

/**
 * Writes the Authorization header value ("AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…") for
 * request into out. Returns 0, or -1 when out is too small, a buffer overflows or there are too many headers.
 * trace may be NULL. The secret never appears in any output. Thread-safe.
 */
int sts_aws_sigv4_authorization(const sts_aws_sigv4_request_t *request, const char *access_key_id,
                                const char *secret_access_key, char *out, size_t out_size,
                                const sts_aws_sigv4_trace_t *trace);

/**
 * Appends value URI-encoded as SigV4 wants it (unreserved A-Z a-z 0-9 - _ . ~ kept, everything else %XX in upper
 * case), for form bodies and query strings. Returns 0, or -1 if out would exceed its maximum.
 */
int sts_aws_sigv4_uri_encode(sts_buf_t *out, const char *value);

/** Formats t (seconds since the epoch) as "YYYYMMDDTHHMMSSZ" into out (at least 17 bytes). */
void sts_aws_sigv4_amz_date(long long t, char out[17]);

#endif
