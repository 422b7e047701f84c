#include "core/login_tokens.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/service.h"
#include "crypto/random.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/timefmt.h"

_Static_assert(STS_ACCESS_TOKEN_ID_CHARS == STS_STORE_ID_CHARS, "refresh-token ids are the store's keys");
_Static_assert(sizeof(STS_REFRESH_TOKEN_PREFIX) == sizeof(STS_ACCESS_TOKEN_PREFIX), "one opaque-token shape");

/*
 * The issue time of a new token, in milliseconds. A change voids tokens issued in its own millisecond (login.c), so a
 * token minted in the millisecond of a change made just before it (an extended token asked for right after its
 * client was registered) would be void at birth: then the next millisecond is awaited, once. A token that would stay
 * void anyway (its client was deleted meanwhile, or the clock went back) is not waited for.
 */
static int64_t issue_time_ms(const sts_login_settings_t *login, const sts_access_jwt_claims_t *claims)
{
    int64_t now_us = sts_time_now();
    int64_t now_ms = now_us / 1000;
    void *settings = (void *)login;
    if (sts_login_check_token(settings, claims->subject, claims->client_id, NULL, now_ms) != NULL &&
        sts_login_check_token(settings, claims->subject, claims->client_id, NULL, now_ms + 1) == NULL) {
        struct timespec pause = {0, (long)(1000 - now_us % 1000) * 1000};
        nanosleep(&pause, NULL);
        now_ms = sts_time_now() / 1000;
    }
    return now_ms;
}

sts_status_t sts__mint_access_token(sts_call_t *call, sts_access_jwt_claims_t *claims, int64_t lifetime_s,
                                    const char **token)
{
    const sts_login_settings_t *login = call->service->login;
    int64_t now_ms = issue_time_ms(login, claims);
    claims->issuer = login->issuer_url;
    claims->audience = login->audience;
    claims->issued_at_ms = now_ms;
    claims->expires_at = now_ms / 1000 + lifetime_s;
    sts_buf_t payload, jwt;
    sts_buf_init(&payload, 16 * 1024);
    sts_buf_init(&jwt, 32 * 1024);
    int failed = sts_access_jwt_payload(claims, &payload) != 0 ||
                 sts_key_ring_sign(login->keys, STS_ACCESS_JWT_TYPE, payload.data, payload.len, &jwt) != 0;
    if (!failed)
        *token = sts_arena_strndup(&call->arena, jwt.data, jwt.len);
    sts_buf_dispose(&payload);
    sts_buf_dispose(&jwt);
    return failed ? sts_call_fail(call, STS_STATUS_INTERNAL, "cannot sign the access token") : STS_STATUS_OK;
}

/* HMAC(refresh key, label || previous): the successor's id and secret follow from the token they replace. */
static void derive(const sts_login_settings_t *login, const char *label, const char *previous, uint8_t out[32])
{
    char input[32 + STS_REFRESH_TOKEN_CHARS + 1];
    int len = snprintf(input, sizeof(input), "%s%.*s", label, (int)STS_REFRESH_TOKEN_CHARS, previous);
    sts_access_token_hmac(login->refresh_key, input, (size_t)len, out);
}

void sts__refresh_token_make(const sts_login_settings_t *login, const char *previous, char id[STS_STORE_ID_CHARS + 1],
                             char token[STS_REFRESH_TOKEN_CHARS + 1])
{
    uint8_t secret[32];
    if (previous == NULL) {
        sts_random_chars(id, STS_STORE_ID_CHARS, "0123456789abcdef", 16);
        sts_random_bytes(secret, sizeof(secret));
    } else {
        uint8_t raw_id[32];
        derive(login, "sts-rt-id:", previous, raw_id);
        sts_hex_encode(raw_id, STS_STORE_ID_CHARS / 2, id);
        derive(login, "sts-rt-secret:", previous, secret);
    }
    id[STS_STORE_ID_CHARS] = '\0';
    sts_opaque_token_compose(STS_REFRESH_TOKEN_PREFIX, id, secret, token);
    OPENSSL_cleanse(secret, sizeof(secret));
}

sts_status_t sts__refresh_token_parse(sts_call_t *call, const char *token, char id[STS_STORE_ID_CHARS + 1])
{
    if (sts_opaque_token_parse(STS_REFRESH_TOKEN_PREFIX, token, strlen(token), id) != 0)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED,
                             "refresh-token is not a refresh token of this service (sts-rt-v1:…)");
    return STS_STATUS_OK;
}
