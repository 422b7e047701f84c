/* What a check of one of the service's own bearer tokens established: the answer of introspection (RFC 7662). */
#ifndef STS_CORE_TOKEN_FACTS_H
#define STS_CORE_TOKEN_FACTS_H
#include <stddef.h>
#include <stdint.h>

/** The facts about a token that stands. Strings live in the call arena; "" when the token has none. */
typedef struct {
    const char *token_type; /**< "Bearer" for access tokens, "Refresh" for refresh tokens (Keycloak's words) */
    const char *subject;
    const char *username;
    const char *client_id;
    const char *issuer;
    const char *audience;
    const char *jti;
    const char *session_id;
    const char *scope; /**< what an OAuth 2.0 client asked for (sts grants roles, not scopes) */
    const char *const *roles;
    size_t role_count;
    int64_t issued_at_s;  /**< seconds since the epoch; 0 when unknown */
    int64_t expires_at_s; /**< seconds since the epoch; 0 when it never expires */
} sts_token_facts_t;

#endif
