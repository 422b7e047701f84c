/* The "jwt" authenticator: Bearer JWTs checked against configured keys, with a cache of verified tokens. */
#ifndef STS_AUTH_JWT_AUTHENTICATOR_H
#define STS_AUTH_JWT_AUTHENTICATOR_H
#include <stddef.h>
#include "auth/jwks_source.h"
#include "auth/jwt.h"
#include "core/call.h"
#include "core/token_facts.h"

typedef struct sts_jwt_authenticator_s sts_jwt_authenticator_t;

/** Verified tokens remembered at most; older entries are replaced. */
#define STS_JWT_CACHE_ENTRIES 4096

/**
 * Creates the authenticator. rules (and the strings it points to) and source must outlive it; it owns neither.
 */
sts_jwt_authenticator_t *sts_jwt_authenticator_create(const sts_jwt_rules_t *rules, sts_jwks_source_t *source);

/**
 * Verifies the bearer JWT token (len characters, after "Bearer "), or finds it in the cache (keyed by its SHA-256,
 * dropped once the token expires), and fills call->principal: domain JWT, auth_id "<iss>#<sub>", name from the
 * username claim, roles from the role claims. A token without sub is refused. Otherwise returns UNAUTHENTICATED
 * with a message saying exactly what was wrong. An unknown key id asks the source to refetch. Never logs the
 * token. Thread-safe.
 */
sts_status_t sts_jwt_authenticate(sts_jwt_authenticator_t *authenticator, sts_call_t *call, const char *token,
                                  size_t len);

/**
 * A check run on every authentication of a verified token, cache hits included: NULL accepts, anything else is why
 * the token is refused (a static string without secrets). subject is the token's sub, client_id its client_id claim
 * and jti its jti ("" when absent), issued_at_ms its iat in milliseconds. Thread-safe.
 */
typedef const char *(*sts_jwt_check_fn)(void *data, const char *subject, const char *client_id, const char *jti,
                                        long long issued_at_ms);

/**
 * Judges token exactly as sts_jwt_authenticate does (cache, signature, times, issuer, audience, check) but, instead
 * of the principal, fills facts (strings in the call arena; audience is left to the caller) for introspection. OK,
 * or UNAUTHENTICATED saying why the token does not stand. Thread-safe.
 */
sts_status_t sts_jwt_authenticator_inspect(sts_jwt_authenticator_t *authenticator, sts_call_t *call, const char *token,
                                           size_t len, sts_token_facts_t *facts);
/** Installs check before the authenticator serves its first call. */
void sts_jwt_authenticator_set_check(sts_jwt_authenticator_t *authenticator, sts_jwt_check_fn check, void *data);

/** True when the token's header names a key the authenticator's source holds (the token is meant for it). */
int sts_jwt_authenticator_has_key_for(sts_jwt_authenticator_t *authenticator, const char *token, size_t len);

void sts_jwt_authenticator_destroy(sts_jwt_authenticator_t *authenticator);

#endif
