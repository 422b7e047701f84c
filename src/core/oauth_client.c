/* Client authentication for the OAuth 2.0 endpoints (RFC 6749 2.3). */
#include "core/oauth_client.h"
#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>
#include "core/login_flow.h"
#include "core/login_records.h"
#include "crypto/access_token.h"
#include "util/base64.h"

sts_status_t sts__oauth_settings(sts_call_t *call, const char *realm, const sts_login_settings_t **login)
{
    sts_status_t status = sts__need_logins(call, login);
    if (status == STS_STATUS_OK && !sts__login_realm_known(*login, realm))
        return sts_call_fail_reason(call, STS_STATUS_NOT_FOUND, "invalid_request", "no realm '%.64s' here", realm);
    return status;
}

int sts__oauth_grant_allowed(const sts_client_record_t *client, const char *grant)
{
    size_t len = strlen(grant);
    for (const char *p = client->grants; p != NULL && *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        if (strcspn(p, ",") == len && strncmp(p, grant, len) == 0)
            return 1;
    }
    return 0;
}

sts_status_t sts__oauth_authenticate_client(sts_call_t *call, const sts_login_settings_t *login, const char *client_id,
                                            const char *client_secret, sts_client_record_t *client)
{
    const char *id = client_id, *secret = client_secret;
    const char *header = call->authorization;
    if (header != NULL && strncasecmp(header, "Basic ", 6) == 0) {
        const char *encoded = header + 6;
        size_t len = strlen(encoded);
        char *decoded = sts_arena_alloc(&call->arena, sts_base64_decoded_max(len) + 1);
        long n = sts_base64_decode(encoded, len, (uint8_t *)decoded, sts_base64_decoded_max(len), STS_BASE64_STD);
        char *colon = n > 0 ? memchr(decoded, ':', (size_t)n) : NULL;
        if (colon == NULL)
            return sts_call_fail_reason(call, STS_STATUS_UNAUTHENTICATED, "invalid_client",
                                        "the Authorization header is not Basic base64(client_id:client_secret)");
        decoded[n] = '\0';
        *colon = '\0';
        if ((client_id[0] != '\0' && strcmp(client_id, decoded) != 0) || client_secret[0] != '\0')
            return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request",
                                        "authenticate the client one way: HTTP Basic or the form, not both");
        id = decoded;
        secret = colon + 1;
    }
    if (id[0] == '\0')
        return sts_call_fail_reason(call, STS_STATUS_UNAUTHENTICATED, "invalid_client",
                                    "client_id is required (a registered client)");
    sts_status_t status = sts__login_find_client(call, "client_id", id, client);
    /* A malformed id names no client either: the authentication failed (RFC 6749 5.2), whatever the reason. */
    if (status == STS_STATUS_UNAVAILABLE)
        return status;
    if (status != STS_STATUS_OK) {
        call->error_reason = "invalid_client";
        return STS_STATUS_UNAUTHENTICATED;
    }
    uint8_t hmac[32];
    sts_access_token_hmac(login->refresh_key, secret, strlen(secret), hmac);
    int matches = client->has_secret && CRYPTO_memcmp(hmac, client->secret_hmac, sizeof(hmac)) == 0;
    if (client->has_secret ? !matches : secret[0] != '\0')
        return sts_call_fail_reason(call, STS_STATUS_UNAUTHENTICATED, "invalid_client",
                                    client->has_secret ? "client %s: wrong or missing client secret"
                                                       : "client %s is public: send no client secret",
                                    client->client_id);
    return STS_STATUS_OK;
}
