#include "issuer/local_issuer.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "issuer/session_token.h"
#include "util/log.h"

typedef struct {
    sts_issuer_t base;
    sts_secret_ring_t *keys;
} local_issuer_t;

/* The ring's keys as session-token sealers, active first, in the call arena. */
static sts_session_sealer_t *sealers_of(const sts_secret_view_t *view, sts_arena_t *arena)
{
    sts_session_sealer_t *sealers = sts_arena_alloc(arena, (view->count + 1) * sizeof(*sealers));
    for (size_t i = 0; i < view->count; i++) {
        sealers[i].aead = view->secrets[i].aead;
        memcpy(sealers[i].key_id, view->secrets[i].id_bytes, STS_SESSION_KEY_ID_BYTES);
    }
    return sealers;
}

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char secret_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

enum { ACCESS_KEY_ID_LENGTH = 20, SECRET_LENGTH = 40 };

static sts_status_t issue(sts_issuer_t *self, sts_call_t *call, const sts_issue_params_t *params,
                          sts_issued_credentials_t *out)
{
    local_issuer_t *issuer = (local_issuer_t *)self;
    char *access_key_id = sts_arena_alloc(&call->arena, ACCESS_KEY_ID_LENGTH + 1);
    memcpy(access_key_id, "ASIA", 4);
    sts_random_chars(access_key_id + 4, ACCESS_KEY_ID_LENGTH - 4, base32_alphabet, sizeof(base32_alphabet) - 1);
    access_key_id[ACCESS_KEY_ID_LENGTH] = '\0';
    char *secret = sts_arena_alloc(&call->arena, SECRET_LENGTH + 1);
    sts_random_chars(secret, SECRET_LENGTH, secret_alphabet, sizeof(secret_alphabet) - 1);
    secret[SECRET_LENGTH] = '\0';
    sts_time_us_t now = sts_time_now();
    sts_session_record_t record = {
        .access_key_id = access_key_id,
        .secret_access_key = secret,
        .subject = params->subject != NULL ? params->subject : "",
        .policy = params->policy != NULL ? params->policy : "",
        .issued_at = now,
        .expiration = now + (sts_time_us_t)params->duration_seconds * 1000000,
    };
    const sts_secret_view_t *view = sts_secret_ring_acquire(issuer->keys);
    char *token = sts_session_token_seal(sealers_of(view, &call->arena), &record, &call->arena);
    sts_secret_ring_release(issuer->keys, view);
    if (token == NULL)
        return sts_call_fail(call, STS_STATUS_INTERNAL, "cannot seal the session token");
    out->access_key_id = access_key_id;
    out->secret_access_key = secret;
    out->session_token = token;
    out->expiration = record.expiration;
    return STS_STATUS_OK;
}

static sts_status_t verify(sts_issuer_t *self, sts_call_t *call, const char *access_key_id, const char *session_token,
                           sts_verify_result_t *out)
{
    local_issuer_t *issuer = (local_issuer_t *)self;
    sts_session_record_t record;
    const sts_secret_view_t *view = sts_secret_ring_acquire(issuer->keys);
    out->reason =
        sts_session_token_open(sealers_of(view, &call->arena), view->count, session_token, &record, &call->arena);
    sts_secret_ring_release(issuer->keys, view);
    if (out->reason != STS_VERIFY_VALID)
        return STS_STATUS_OK;
    /* The secret is not part of any answer; keep it out of the arena's leftovers. */
    OPENSSL_cleanse((char *)record.secret_access_key, strlen(record.secret_access_key));
    size_t given = strlen(access_key_id), sealed = strlen(record.access_key_id);
    if (given != sealed || CRYPTO_memcmp(access_key_id, record.access_key_id, given) != 0) {
        out->reason = STS_VERIFY_ACCESS_KEY_MISMATCH;
        return STS_STATUS_OK;
    }
    out->subject = record.subject;
    out->expiration = record.expiration;
    if (record.expiration <= sts_time_now())
        out->reason = STS_VERIFY_EXPIRED;
    return STS_STATUS_OK;
}

static void destroy(sts_issuer_t *self)
{
    free(self);
}

sts_issuer_t *sts_local_issuer_create(sts_secret_ring_t *keys)
{
    local_issuer_t *issuer = calloc(1, sizeof(*issuer));
    if (issuer == NULL)
        sts_log_fatal("out of memory");
    issuer->base = (sts_issuer_t){.name = "local", .issue = issue, .verify = verify, .destroy = destroy};
    issuer->keys = keys;
    return &issuer->base;
}
