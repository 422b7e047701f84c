/*
 * A client for one endpoint of an AWS Query API (STS or IAM on RGW, AWS, MinIO): SigV4-signed form POSTs with keys
 * read from secret files, and their XML answers. Shared by the issuers that talk to such an endpoint.
 */
#ifndef STS_AWS_CLIENT_H
#define STS_AWS_CLIENT_H
#include <stddef.h>
#include <stdint.h>
#include "aws/http.h"
#include "aws/keys.h"
#include "aws/response.h"

/** Where the endpoint is and how to reach it; strings are copied by init. */
typedef struct {
    const char *url;             /**< http or https; user information in it is kept out of logs and messages */
    const char *region;          /**< SigV4 region, e.g. "us-east-1" */
    const char *access_key_file; /**< secret files, re-read when they change */
    const char *secret_key_file;
    long connect_timeout_ms;
    long timeout_ms;
    const char *ca_file; /**< NULL: system CA store */
    int insecure;        /**< skip TLS verification */
} sts_aws_connection_t;

/** Room for an endpoint URL as shown in messages. */
#define STS_AWS_URL_SHOWN_MAX 256

/** Lifecycle: sts_aws_client_init, sts_aws_client_call from any thread, sts_aws_client_dispose. */
typedef struct {
    sts_aws_endpoint_t endpoint;
    sts_aws_keys_t keys;
    char *url, *host_header, *path, *region, *ca_file;
    char shown_url[STS_AWS_URL_SHOWN_MAX]; /**< url without user information: the one for logs and messages */
} sts_aws_client_t;

/**
 * What one call gave: outcome ANSWERED with the HTTP status and the parsed body, or another outcome and a message.
 * Which status a caller gets for which outcome is the issuer's choice.
 */
typedef struct {
    sts_aws_outcome_t outcome;
    long http_status;
    char message[768]; /**< when not ANSWERED; names the endpoint (shown_url), never a secret */
    sts_aws_response_t response;
} sts_aws_reply_t;

/**
 * Parses the URL and reads the key files. Returns 0, or STS_SECRET_FILE_NOT_PRIVATE or -1 with a message (never a
 * secret, nor the URL's user information) in error.
 */
int sts_aws_client_init(sts_aws_client_t *client, const sts_aws_connection_t *connection, char *error,
                        size_t error_size);

/**
 * POSTs form, signed for service ("sts", "iam"), and parses the XML answer into out->response (strings in arena).
 * out->outcome is ANSWERED whenever an HTTP answer arrived (read http_status), even an error whose body is not XML;
 * a 200 that is not AWS XML is MALFORMED; no answer, a timeout or the caller's deadline (deadline_ns,
 * CLOCK_MONOTONIC, 0 for none) give the http outcome. Blocking. Thread-safe.
 */
void sts_aws_client_call(sts_aws_client_t *client, const char *service, const char *form, const char *request_id,
                         int64_t deadline_ns, sts_arena_t *arena, sts_aws_reply_t *out);

/** Wipes the keys and frees the strings. */
void sts_aws_client_dispose(sts_aws_client_t *client);

#endif
