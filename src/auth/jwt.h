/* JWT (JWS compact serialisation) verification: signature, time claims, issuer, audience, and the caller's identity. */
#ifndef STS_AUTH_JWT_H
#define STS_AUTH_JWT_H
#include <stddef.h>
#include "auth/jwk.h"

/** Longest token accepted, in characters. */
#define STS_JWT_MAX_CHARS 8192

/** What a token must satisfy and where its identity is found. Strings are borrowed for the call. */
typedef struct {
    const char *const *issuers; /**< accepted "iss" values; none configured accepts any */
    size_t issuer_count;
    const char *const *audiences; /**< accepted "aud" values (any one suffices); none configured accepts any */
    size_t audience_count;
    long leeway_seconds;        /**< slack for exp, nbf and iat */
    const char *username_claim; /**< e.g. "preferred_username"; the subject when absent */
    /** Dotted claim paths to arrays of role names; "<audience>" stands for each configured audience. */
    const char *const *role_paths;
    size_t role_path_count;
} sts_jwt_rules_t;

/** Why a token was refused. */
typedef enum {
    STS_JWT_OK,
    STS_JWT_MALFORMED,
    STS_JWT_UNKNOWN_KID,
    STS_JWT_BAD_ALGORITHM,
    STS_JWT_BAD_SIGNATURE,
    STS_JWT_EXPIRED,
    STS_JWT_NOT_YET_VALID,
    STS_JWT_WRONG_ISSUER,
    STS_JWT_WRONG_AUDIENCE,
} sts_jwt_result_t;

/** The caller a valid token names. Heap-owned; release with sts_jwt_identity_dispose. */
typedef struct {
    char *issuer; /**< iss, "" when absent */
    char *subject;
    char *username;
    char **roles;
    size_t role_count;
    long long expires_at; /**< exp, seconds since the epoch */
} sts_jwt_identity_t;

/**
 * Verifies token (len characters) with keys at time now (seconds since the epoch). On STS_JWT_OK fills identity;
 * otherwise writes into why an explanation fit for error_description ("expired at 2026-11-24T10:00:00Z", "bad
 * signature", "unknown key id 'k2'", ...) that never contains the token. Thread-safe.
 */
sts_jwt_result_t sts_jwt_verify(const sts_jwk_set_t *keys, const sts_jwt_rules_t *rules, const char *token, size_t len,
                                long long now, sts_jwt_identity_t *identity, char *why, size_t why_size);

/** Frees what sts_jwt_verify put in identity. */
void sts_jwt_identity_dispose(sts_jwt_identity_t *identity);

#endif
