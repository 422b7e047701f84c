/* A signed-POST client for one AWS-compatible endpoint (STS or IAM on RGW, AWS, MinIO), shared by the issuers. */
#ifndef STS_ISSUER_UPSTREAM_CLIENT_H
#define STS_ISSUER_UPSTREAM_CLIENT_H
#include <stddef.h>
#include <stdint.h>
#include "core/status.h"
#include "issuer/sts_response.h"
#include "issuer/upstream_http.h"
#include "issuer/upstream_keys.h"

/** Where the endpoint is and how to reach it; strings are copied by init. */
typedef struct {
    const char *url;             /**< http or https */
    const char *region;          /**< SigV4 region, e.g. "us-east-1" */
    const char *access_key_file; /**< re-read when it changes */
    const char *secret_key_file;
    long connect_timeout_ms;
    long timeout_ms;
    const char *ca_file; /**< NULL: system CA store */
    int insecure;        /**< skip TLS verification */
} sts_upstream_connection_t;

/** Lifecycle: sts_upstream_client_init, sts_upstream_client_call from any thread, sts_upstream_client_dispose. */
typedef struct {
    sts_upstream_endpoint_t endpoint;
    sts_upstream_keys_t keys;
    char *url, *host_header, *path, *region, *ca_file;
} sts_upstream_client_t;

/** What one call gave: OK with the HTTP status and the parsed body, or a failure status and a message. */
typedef struct {
    sts_status_t status;
    long http_status;
    char message[768]; /**< names the endpoint; never a secret */
    sts_response_t response;
} sts_upstream_reply_t;

/** Parses the URL and reads the key files. Returns 0, or -1 with a message (never a secret) in error. */
int sts_upstream_client_init(sts_upstream_client_t *client, const sts_upstream_connection_t *connection, char *error,
                             size_t error_size);

/**
 * POSTs form, signed for service ("sts", "iam"), and parses the XML answer into out->response (strings in arena).
 * out->status is OK whenever an HTTP answer arrived (read http_status); a 200 that is not XML, no answer, a
 * timeout or the caller's deadline (deadline_ns, CLOCK_MONOTONIC, 0 for none) give UNAVAILABLE or
 * DEADLINE_EXCEEDED with a message. Blocking. Thread-safe.
 */
void sts_upstream_client_call(sts_upstream_client_t *client, const char *service, const char *form, int64_t deadline_ns,
                              sts_arena_t *arena, sts_upstream_reply_t *out);

/** Wipes the keys and frees the strings. */
void sts_upstream_client_dispose(sts_upstream_client_t *client);

#endif
