/* Minting the service's own tokens: access JWTs signed by the key ring and rotating refresh tokens; internal. */
#ifndef STS_CORE_LOGIN_TOKENS_H
#define STS_CORE_LOGIN_TOKENS_H
#include "core/call.h"
#include "core/login.h"
#include "crypto/access_jwt.h"
#include "crypto/access_token.h"
#include "store/store.h"

/** A refresh token is an opaque token of the access-token shape under STS_REFRESH_TOKEN_PREFIX. */
#define STS_REFRESH_TOKEN_CHARS STS_ACCESS_TOKEN_CHARS

/**
 * Signs an access token with claims (issuer and audience from the settings, times from now) into *token in the call
 * arena. OK, or INTERNAL.
 */
sts_status_t sts__mint_access_token(sts_call_t *call, sts_access_jwt_claims_t *claims, int64_t lifetime_s,
                                    const char **token);

/**
 * A new refresh token: random when previous is NULL (a login), else derived from previous under the refresh key, so
 * a retry of the same rotation within the reuse grace gets the very same token back. Writes its id and the token.
 */
void sts__refresh_token_make(const sts_login_settings_t *login, const char *previous, char id[STS_STORE_ID_CHARS + 1],
                             char token[STS_REFRESH_TOKEN_CHARS + 1]);

/** Checks a presented refresh token's format and copies its id out. OK, or UNAUTHENTICATED without echoing it. */
sts_status_t sts__refresh_token_parse(sts_call_t *call, const char *token, char id[STS_STORE_ID_CHARS + 1]);

#endif
