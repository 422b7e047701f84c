/* Reading STS and IAM XML responses (AssumeRole, GetSessionToken, GetRole, errors) from RGW, AWS or MinIO. */
#ifndef STS_AWS_RESPONSE_H
#define STS_AWS_RESPONSE_H
#include <stddef.h>
#include "util/arena.h"

/** Longest error code or message kept from a response, in bytes (then cut, ending in "..."). */
#define STS_AWS_ERROR_TEXT_MAX 256

/** Largest response body read from an STS endpoint. */
#define STS_AWS_RESPONSE_MAX_BYTES (64 * 1024)

/** The fields of interest; each is NULL when the response lacks it. Strings live in the arena. */
typedef struct {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    const char *expiration;      /**< as sent, e.g. "2026-11-24T23:05:56.159920157Z" */
    const char *assumed_role_id; /**< RGW's <AssumeRoleId> or AWS's <AssumedRoleId> */
    const char *arn;
    const char *role_id;              /**< IAM GetRole's <Role><RoleId> */
    const char *max_session_duration; /**< IAM GetRole's <Role><MaxSessionDuration>, seconds */
    /** <Error><Code>, e.g. "NoSuchEntity", and <Error><Message>: the peer's text, made safe to echo (control
     * characters become spaces, cut to STS_AWS_ERROR_TEXT_MAX bytes). */
    const char *error_code;
    const char *error_message;
} sts_aws_response_t;

/**
 * Parses an STS response or error body with expat. Document type declarations (and so entities) are refused.
 * Returns 0, or -1 with *error (in arena) saying what was malformed. Thread-safe.
 */
int sts_aws_response_parse(const char *xml, size_t len, sts_aws_response_t *out, sts_arena_t *arena,
                           const char **error);

#endif
