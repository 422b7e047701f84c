/* The "sts" issuer: credentials from an AWS-compatible STS endpoint (Ceph RGW, AWS, MinIO). */
#ifndef STS_ISSUER_UPSTREAM_ISSUER_H
#define STS_ISSUER_UPSTREAM_ISSUER_H
#include <stddef.h>
#include "core/issuer.h"

/** Settings; strings are copied by create. */
typedef struct {
    const char *url;             /**< where STS is called (int_endpoint_url), http or https */
    const char *action;          /**< "AssumeRole" or "GetSessionToken" */
    const char *role_arn;        /**< required for AssumeRole */
    const char *region;          /**< SigV4 region, e.g. "us-east-1" */
    const char *access_key_file; /**< re-read when it changes */
    const char *secret_key_file;
    long connect_timeout_ms;
    long timeout_ms;
    const char *ca_file; /**< NULL: system CA store */
    int insecure;        /**< skip TLS verification */
} sts_upstream_settings_t;

/**
 * Creates the issuer, reading the key files. It blocks (issue runs on the worker pool), cannot verify
 * credentials (the store does that), and its check makes a real call with the configured action.
 * Returns NULL with a message (never a secret) in error. Thread-safe once created.
 */
sts_issuer_t *sts_upstream_issuer_create(const sts_upstream_settings_t *settings, char *error, size_t error_size);

#endif
