#include "auth/chain.h"
#include <string.h>
#include <strings.h>
#include "crypto/access_token.h"

/* A JWT's shape: three non-empty base64url parts joined by two dots (the JWT verifier checks the rest). */
static int jwt_shaped(const char *token, size_t len)
{
    size_t dots = 0, part = 0;
    for (size_t i = 0; i < len; i++) {
        char c = token[i];
        if (c == '.') {
            if (part == 0 && dots < 2)
                return 0;
            dots++;
            part = 0;
        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            part++;
        } else {
            return 0;
        }
    }
    return dots == 2 && part > 0;
}

sts_status_t sts_auth_chain_authenticate(void *data, sts_call_t *call)
{
    const sts_auth_chain_t *chain = data;
    const char *header = call->authorization;
    int no_header = header == NULL || header[0] == '\0';
    if (no_header && call->client_certificate_subject != NULL && chain->client_certificate != NULL)
        return sts_client_certificate_authenticate(chain->client_certificate, call);
    if (no_header)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED,
                             "missing credentials: send Authorization: Bearer <token>");
    if (strncasecmp(header, "Bearer ", 7) != 0)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "the Authorization header must use the Bearer scheme");
    const char *token = header + 7;
    while (*token == ' ')
        token++;
    size_t len = strlen(token);
    while (len > 0 && token[len - 1] == ' ')
        len--;
    if (sts_access_token_recognised(token, len)) {
        if (chain->access_token == NULL)
            return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "access tokens are not accepted (see STS_AUTH)");
        return sts_access_token_authenticate(chain->access_token, call, token, len);
    }
    /* Neither kind: say what a token looks like rather than blame the configuration. */
    if (!jwt_shaped(token, len))
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED,
                             "malformed bearer token: expected an access token (sts-at-v1:...) or a JWT (three "
                             "base64url parts joined by dots)");
    if (chain->own_jwt != NULL && (chain->jwt == NULL || sts_jwt_authenticator_has_key_for(chain->own_jwt, token, len)))
        return sts_jwt_authenticate(chain->own_jwt, call, token, len);
    if (chain->jwt == NULL)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED,
                             "JWTs are not accepted (see STS_AUTH); send an access token");
    return sts_jwt_authenticate(chain->jwt, call, token, len);
}

sts_status_t sts_auth_chain_inspect(void *data, sts_call_t *call, const char *token, sts_token_facts_t *facts)
{
    const sts_auth_chain_t *chain = data;
    size_t len = strlen(token);
    if (sts_access_token_recognised(token, len) && chain->access_token != NULL)
        return sts_access_token_inspect(chain->access_token, call, token, len, facts);
    if (chain->own_jwt != NULL && sts_jwt_authenticator_has_key_for(chain->own_jwt, token, len))
        return sts_jwt_authenticator_inspect(chain->own_jwt, call, token, len, facts);
    return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "not a token of this service");
}
