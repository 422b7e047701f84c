#include "issuer/session_token.h"

#include <openssl/crypto.h>
#include <string.h>

#include "crypto/random.h"
#include "util/base64.h"

enum { HEADER_BYTES = 1 + STS_SESSION_KEY_ID_BYTES + STS_AEAD_NONCE_BYTES };

static void put_i64(uint8_t *out, int64_t value)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)((uint64_t)value >> (8 * i));
}

static int64_t get_i64(const uint8_t *in)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value |= (uint64_t)in[i] << (8 * i);
    return (int64_t)value;
}

static size_t put_str(uint8_t *out, const char *text, size_t len)
{
    out[0] = (uint8_t)len;
    out[1] = (uint8_t)(len >> 8);
    memcpy(out + 2, text, len);
    return 2 + len;
}

char *sts_session_token_seal(const sts_session_sealer_t *sealer, const sts_session_record_t *record, sts_arena_t *arena)
{
    const char *fields[] = {record->access_key_id, record->secret_access_key, record->subject, record->policy};
    size_t lengths[4];
    size_t plain_len = 16;
    for (int i = 0; i < 4; i++) {
        lengths[i] = strlen(fields[i]);
        if (lengths[i] > UINT16_MAX)
            return NULL;
        plain_len += 2 + lengths[i];
    }
    uint8_t *plain = sts_arena_alloc(arena, plain_len);
    put_i64(plain, record->issued_at);
    put_i64(plain + 8, record->expiration);
    size_t pos = 16;
    for (int i = 0; i < 4; i++)
        pos += put_str(plain + pos, fields[i], lengths[i]);

    size_t sealed_len = HEADER_BYTES + plain_len + STS_AEAD_TAG_BYTES;
    uint8_t *sealed = sts_arena_alloc(arena, sealed_len);
    sealed[0] = STS_SESSION_TOKEN_VERSION;
    memcpy(sealed + 1, sealer->key_id, STS_SESSION_KEY_ID_BYTES);
    sts_random_bytes(sealed + 1 + STS_SESSION_KEY_ID_BYTES, STS_AEAD_NONCE_BYTES);
    int rc = sts_aead_seal(sealer->aead, sealed + 1 + STS_SESSION_KEY_ID_BYTES, sealed, HEADER_BYTES, plain, plain_len,
                           sealed + HEADER_BYTES);
    /* The plaintext holds the secret; the arena outlives this call, so wipe it now. */
    OPENSSL_cleanse(plain, plain_len);
    if (rc != 0)
        return NULL;
    size_t text_size = sts_base64_encoded_len(sealed_len, STS_BASE64_STD) + 1;
    char *text = sts_arena_alloc(arena, text_size);
    sts_base64_encode(sealed, sealed_len, text, text_size, STS_BASE64_STD);
    return text;
}

static const char *get_str(const uint8_t **in, const uint8_t *end, sts_arena_t *arena)
{
    if (end - *in < 2)
        return NULL;
    size_t len = (size_t)(*in)[0] | (size_t)(*in)[1] << 8;
    *in += 2;
    if ((size_t)(end - *in) < len)
        return NULL;
    const char *out = sts_arena_strndup(arena, (const char *)*in, len);
    *in += len;
    return out;
}

sts_verify_reason_t sts_session_token_open(const sts_session_sealer_t *sealers, size_t count, const char *token,
                                           sts_session_record_t *record, sts_arena_t *arena)
{
    size_t token_len = strlen(token);
    if (token_len > STS_SESSION_TOKEN_MAX_CHARS)
        return STS_VERIFY_MALFORMED;
    size_t max = sts_base64_decoded_max(token_len);
    uint8_t *sealed = sts_arena_alloc(arena, max);
    long sealed_len = sts_base64_decode(token, token_len, sealed, max, STS_BASE64_STD);
    if (sealed_len < HEADER_BYTES + 16 + 8 + STS_AEAD_TAG_BYTES || sealed[0] != STS_SESSION_TOKEN_VERSION)
        return STS_VERIFY_MALFORMED;
    const sts_session_sealer_t *sealer = NULL;
    for (size_t i = 0; i < count && sealer == NULL; i++) {
        if (CRYPTO_memcmp(sealed + 1, sealers[i].key_id, STS_SESSION_KEY_ID_BYTES) == 0)
            sealer = &sealers[i];
    }
    if (sealer == NULL)
        return STS_VERIFY_FOREIGN_KEY;
    size_t plain_len = (size_t)sealed_len - HEADER_BYTES - STS_AEAD_TAG_BYTES;
    uint8_t *plain = sts_arena_alloc(arena, plain_len);
    if (sts_aead_open(sealer->aead, sealed + 1 + STS_SESSION_KEY_ID_BYTES, sealed, HEADER_BYTES, sealed + HEADER_BYTES,
                      (size_t)sealed_len - HEADER_BYTES, plain) != 0)
        return STS_VERIFY_TAMPERED;
    sts_verify_reason_t reason = sts_session_token_decode(plain, plain_len, record, arena);
    OPENSSL_cleanse(plain, plain_len);
    return reason;
}

sts_verify_reason_t sts_session_token_decode(const uint8_t *plain, size_t len, sts_session_record_t *record,
                                             sts_arena_t *arena)
{
    if (len < 16)
        return STS_VERIFY_MALFORMED;
    const uint8_t *in = plain + 16;
    const uint8_t *end = plain + len;
    record->issued_at = get_i64(plain);
    record->expiration = get_i64(plain + 8);
    record->access_key_id = get_str(&in, end, arena);
    record->secret_access_key = get_str(&in, end, arena);
    record->subject = get_str(&in, end, arena);
    record->policy = get_str(&in, end, arena);
    if (record->access_key_id == NULL || record->secret_access_key == NULL || record->subject == NULL ||
        record->policy == NULL || in != end)
        return STS_VERIFY_MALFORMED;
    return STS_VERIFY_VALID;
}
