/* JWT (JWS compact serialisation) verification: signature, time claims, issuer, audience, and the caller's identity. */
#ifndef STS_AUTH_JWT_H
#define STS_AUTH_JWT_H
#include <stddef.h>
#include "auth/jwk.h"

/** Longest token accepted, in characters. */
#define STS_JWT_MAX_CHARS 8192

/**
 * Most keys a token without "kid" is tried against. Keys are first filtered by the token's algorithm; when more
 * than this many remain, the token is refused without any signature check (STS_JWT_KID_REQUIRED), so that a
 * kid-less token cannot make one request cost a verification per key of a large JWKS.
 */
#define STS_JWT_MAX_KIDLESS_KEYS 4

/**
 * Largest NumericDate (exp, nbf, iat) accepted: 9999-12-31T23:59:59Z. RFC 7519 allows fractional values, which are
 * rounded towards the stricter side (exp down, nbf and iat up); a negative, larger, non-numeric or unrepresentable
 * value makes the token malformed. Keeping claims in this range keeps all time arithmetic on them in range.
 */
#define STS_JWT_MAX_NUMERIC_DATE 253402300799LL

/**
 * What a token must satisfy and where its identity is found. Strings are borrowed for the call. Issuer and audience
 * checks are closed by default: with no accepted values and any_issuer/any_audience 0, every token is refused.
 */
typedef struct {
    const char *const *issuers; /**< accepted "iss" values */
    size_t issuer_count;
    const char *const *audiences; /**< accepted "aud" values (any one suffices) */
    size_t audience_count;
    long leeway_seconds;        /**< slack for exp, nbf and iat (negative counts as 0) */
    const char *username_claim; /**< e.g. "preferred_username"; the subject when absent */
    /** Dotted claim paths to arrays of role names; "<audience>" stands for each configured audience. */
    const char *const *role_paths;
    size_t role_path_count;
    int any_issuer;   /**< 1: any "iss" (or none) is accepted: the operator's explicit '*' opt-out */
    int any_audience; /**< 1: any "aud" (or none) is accepted: the operator's explicit '*' opt-out */
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
    STS_JWT_BAD_TYPE,     /**< a "typ" header other than JWT or at+jwt */
    STS_JWT_KID_REQUIRED, /**< no "kid", and more than STS_JWT_MAX_KIDLESS_KEYS keys could verify the token */
} sts_jwt_result_t;

/** The caller a valid token names. Heap-owned; release with sts_jwt_identity_dispose. */
typedef struct {
    char *subject;
    char *issuer; /**< the token's "iss"; "" when absent */
    char *username;
    char **roles;
    size_t role_count;
    long long expires_at;   /**< exp, seconds since the epoch, 0..STS_JWT_MAX_NUMERIC_DATE */
    long long issued_at_ms; /**< sts_issued_ms when present, else iat in milliseconds; 0 when absent */
    char *session_id;       /**< the "sid" claim; "" when absent */
    char *client_id;        /**< the "client_id" claim (RFC 9068); "" when absent */
    char *jti;              /**< the "jti" claim (a revocation names it); "" when absent */
    char *scope;            /**< the "scope" claim (RFC 9068), for introspection; "" when absent */
} sts_jwt_identity_t;

/**
 * Verifies token (len characters) with keys at time now (seconds since the epoch). A "typ" header, when present,
 * must be JWT or at+jwt (RFC 9068), compared case-insensitively with or without "application/" (RFC 7515 4.1.9). On
 * STS_JWT_OK fills identity; otherwise writes into why an explanation fit for error_description ("expired at
 * 2026-11-24T10:00:00Z", "bad signature", "unknown key id 'k2'", "typ 'JOSE' is not accepted: expected JWT or
 * at+jwt", ...) that never contains the token. Thread-safe.
 */
sts_jwt_result_t sts_jwt_verify(const sts_jwk_set_t *keys, const sts_jwt_rules_t *rules, const char *token, size_t len,
                                long long now, sts_jwt_identity_t *identity, char *why, size_t why_size);

/**
 * Copies the unverified "kid" of token's header into kid (NUL-terminated) for routing the token to the authenticator
 * that has that key. Returns 0, or -1 when the token is malformed, has no string kid or it does not fit.
 * Thread-safe.
 */
int sts_jwt_peek_kid(const char *token, size_t len, char *kid, size_t kid_size);

/** Frees what sts_jwt_verify put in identity. */
void sts_jwt_identity_dispose(sts_jwt_identity_t *identity);

#endif
