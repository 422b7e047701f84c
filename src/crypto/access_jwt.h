/* The claims of the service's own access tokens: JWTs in the RFC 9068 profile, with Keycloak's role layout. */
#ifndef STS_CRYPTO_ACCESS_JWT_H
#define STS_CRYPTO_ACCESS_JWT_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

/** The JWS "typ" of an access token (RFC 9068 §2.1). */
/** The private claim holding the issue time in milliseconds. */
#define STS_ACCESS_JWT_ISSUED_MS_CLAIM "sts_issued_ms"
#define STS_ACCESS_JWT_TYPE            "at+jwt"

/** What an access token says. Strings are borrowed; NULL optional members are left out. */
typedef struct {
    const char *issuer;       /**< iss */
    const char *subject;      /**< sub: the user's stable id, or the client id for an extended token */
    const char *audience;     /**< aud */
    const char *client_id;    /**< client_id; NULL when no client is involved */
    const char *username;     /**< preferred_username */
    const char *session_id;   /**< sid: the login session; NULL for none */
    const char *scope;        /**< scope (RFC 9068 2.2.3): what an OAuth 2.0 client asked for; NULL or "" for none */
    const char *const *roles; /**< realm_access.roles */
    size_t role_count;
    /**
     * Milliseconds since the epoch. iat and nbf are the whole second (clients such as PyJWT compare iat with the
     * whole current second); the private claim sts_issued_ms keeps the milliseconds, so a revocation within the same
     * second tells older tokens from newer.
     */
    int64_t issued_at_ms;
    int64_t expires_at; /**< exp */
} sts_access_jwt_claims_t;

/**
 * Appends the JSON payload of an access token with these claims and a fresh random jti (128 bits, hex) to out.
 * Strings are escaped as JSON requires, so no claim can inject another. Returns 0, or -1 when out is full.
 * Thread-safe.
 */
int sts_access_jwt_payload(const sts_access_jwt_claims_t *claims, sts_buf_t *out);

#endif
