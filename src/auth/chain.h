/* The authenticator chain STS_AUTH names: each bearer credential goes to the authenticator that understands it. */
#ifndef STS_AUTH_CHAIN_H
#define STS_AUTH_CHAIN_H
#include "auth/access_token_authenticator.h"
#include "auth/client_certificate_authenticator.h"
#include "auth/jwt_authenticator.h"

/** The configured authenticators; NULL members are not in the chain. Borrowed, not owned. */
typedef struct {
    sts_jwt_authenticator_t *jwt;     /**< external issuers' JWTs (jwt_jwks_*) */
    sts_jwt_authenticator_t *own_jwt; /**< the service's own access tokens (logins), verified with its key ring */
    sts_access_token_authenticator_t *access_token;
    sts_client_certificate_authenticator_t *client_certificate; /**< set when gRPC requires client certificates */
} sts_auth_chain_t;

/**
 * An sts_authenticate_fn over a chain: "Bearer sts-at-v1:…" goes to the access-token authenticator, a JWT whose kid
 * is one of the service's own keys to own_jwt, any other bearer token to the JWT authenticator (or to own_jwt when
 * no external JWTs are configured). A call with no Authorization but a verified client certificate goes to the
 * client-certificate authenticator; with both, the bearer token decides. A credential no configured authenticator
 * accepts, or none at all, is UNAUTHENTICATED with a message saying so. Thread-safe.
 */
sts_status_t sts_auth_chain_authenticate(void *chain, sts_call_t *call);

/**
 * An sts_inspect_fn over a chain: judges a bearer token of the service's own (an access token, or a JWT signed by
 * one of its keys) as authentication would and fills facts. Other issuers' JWTs and anything else are
 * UNAUTHENTICATED: introspection speaks only for this service's tokens. Thread-safe; may read the store.
 */
sts_status_t sts_auth_chain_inspect(void *chain, sts_call_t *call, const char *token, sts_token_facts_t *facts);
#endif
