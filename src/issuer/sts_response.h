/* Reading STS and IAM XML responses (AssumeRole, GetSessionToken, GetRole, errors) from RGW, AWS or MinIO. */
#ifndef STS_ISSUER_STS_RESPONSE_H
#define STS_ISSUER_STS_RESPONSE_H
#include <stddef.h>
#include "util/arena.h"

/** Largest response body read from an STS endpoint. */
#define STS_RESPONSE_MAX_BYTES (64 * 1024)

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
    const char *error_code;           /**< <Error><Code>, e.g. "NoSuchEntity" */
    const char *error_message;
} sts_response_t;

/**
 * Parses an STS response or error body with expat. Document type declarations (and so entities) are refused.
 * Returns 0, or -1 with *error (in arena) saying what was malformed. Thread-safe.
 */
int sts_response_parse(const char *xml, size_t len, sts_response_t *out, sts_arena_t *arena, const char **error);

#endif
