#include "auth/chain.h"
#include <string.h>
#include <strings.h>
#include "crypto/access_token.h"
#include "util/base64.h"

/* A JWT's shape: three non-empty base64url parts joined by two dots (the JWT verifier checks the rest). */
static int jwt_shaped(const char *token, size_t len)
{
    size_t at = 0;
    for (int part = 0; part < 3; part++) {
        size_t run = sts_base64_url_span(token + at, len - at);
        if (run == 0)
            return 0;
        at += run;
        if (part < 2 && (at >= len || token[at] != '.'))
            return 0;
        at += part < 2;
    }
    return at == len;
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
