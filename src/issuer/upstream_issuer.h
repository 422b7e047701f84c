/* The "sts" issuer: credentials from an AWS-compatible STS endpoint (Ceph RGW, AWS, MinIO). */
#ifndef STS_ISSUER_UPSTREAM_ISSUER_H
#define STS_ISSUER_UPSTREAM_ISSUER_H
#include <stddef.h>
#include "aws/client.h"
#include "core/issuer.h"

/** Settings; strings are copied by create. */
typedef struct {
    sts_aws_connection_t connection; /**< the STS endpoint (int_endpoint_url) and the keys that sign */
    const char *action;              /**< "AssumeRole" or "GetSessionToken" */
    const char *role_arn;            /**< required for AssumeRole */
} sts_upstream_settings_t;

/**
 * Creates the issuer, reading the key files. It blocks (issue runs on the worker pool), cannot verify
 * credentials (the store does that), and its check makes a real call with the configured action.
 * Returns NULL with a message (never a secret) in error. Thread-safe once created.
 */
sts_issuer_t *sts_upstream_issuer_create(const sts_upstream_settings_t *settings, char *error, size_t error_size);

#endif
