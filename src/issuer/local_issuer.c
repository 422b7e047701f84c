#include "issuer/local_issuer.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/key_file.h"
#include "crypto/random.h"
#include "issuer/session_token.h"
#include "util/log.h"

typedef struct {
    sts_issuer_t base;
    sts_session_sealer_t sealer;
} local_issuer_t;

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
    char *token = sts_session_token_seal(&issuer->sealer, &record, &call->arena);
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
    out->reason = sts_session_token_open(&issuer->sealer, session_token, &record, &call->arena);
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

/* The configured key file, or <data_dir>/session.key, generated on first start. */
static int load_sealing_key(const char *key_file, const char *data_dir, uint8_t key[STS_AEAD_KEY_BYTES], char *error,
                            size_t error_size)
{
    if (key_file != NULL)
        return sts_key_file_load(key_file, 0, "the session key file", key, error, error_size);
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/session.key", data_dir) >= (int)sizeof(path)) {
        snprintf(error, error_size, "the data directory path is too long");
        return -1;
    }
    return sts_key_file_load(path, 1, "the session key file", key, error, error_size);
}

static void destroy(sts_issuer_t *self)
{
    local_issuer_t *issuer = (local_issuer_t *)self;
    sts_aead_destroy(issuer->sealer.aead);
    free(issuer);
}

sts_issuer_t *sts_local_issuer_create(const char *key_file, const char *data_dir, char *error, size_t error_size)
{
    uint8_t key[STS_AEAD_KEY_BYTES];
    error[0] = '\0';
    if (load_sealing_key(key_file, data_dir, key, error, error_size) != 0)
        return NULL;
    local_issuer_t *issuer = calloc(1, sizeof(*issuer));
    if (issuer == NULL)
        sts_log_fatal("out of memory");
    issuer->base = (sts_issuer_t){.name = "local", .issue = issue, .verify = verify, .destroy = destroy};
    uint8_t digest[32];
    sts_sha256(key, sizeof(key), digest);
    memcpy(issuer->sealer.key_id, digest, STS_SESSION_KEY_ID_BYTES);
    issuer->sealer.aead = sts_aead_create(key);
    OPENSSL_cleanse(key, sizeof(key));
    if (issuer->sealer.aead == NULL) {
        snprintf(error, error_size, "OpenSSL does not provide AES-256-GCM");
        free(issuer);
        return NULL;
    }
    return &issuer->base;
}
