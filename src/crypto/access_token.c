#include "crypto/access_token.h"
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/random.h"
#include "util/base64.h"
#include "util/log.h"
#include "util/thread_block.h"

static const size_t prefix_len = sizeof(STS_ACCESS_TOKEN_PREFIX) - 1;

void sts_opaque_token_compose(const char *prefix, const char id[STS_ACCESS_TOKEN_ID_CHARS + 1],
                              const uint8_t secret[32], char token[STS_ACCESS_TOKEN_CHARS + 1])
{
    memcpy(token, prefix, prefix_len);
    memcpy(token + prefix_len, id, STS_ACCESS_TOKEN_ID_CHARS);
    token[prefix_len + STS_ACCESS_TOKEN_ID_CHARS] = ':';
    sts_base64_encode(secret, 32, token + prefix_len + STS_ACCESS_TOKEN_ID_CHARS + 1, STS_ACCESS_TOKEN_SECRET_CHARS + 1,
                      STS_BASE64_URL_RAW);
}

void sts_access_token_mint(char id[STS_ACCESS_TOKEN_ID_CHARS + 1], char token[STS_ACCESS_TOKEN_CHARS + 1])
{
    sts_random_chars(id, STS_ACCESS_TOKEN_ID_CHARS, "0123456789abcdef", 16);
    id[STS_ACCESS_TOKEN_ID_CHARS] = '\0';
    uint8_t secret[32];
    sts_random_bytes(secret, sizeof(secret));
    sts_opaque_token_compose(STS_ACCESS_TOKEN_PREFIX, id, secret, token);
    OPENSSL_cleanse(secret, sizeof(secret));
}

int sts_access_token_recognised(const char *text, size_t len)
{
    return len >= prefix_len && memcmp(text, STS_ACCESS_TOKEN_PREFIX, prefix_len) == 0;
}

int sts_access_token_parse(const char *token, size_t len, char id[STS_ACCESS_TOKEN_ID_CHARS + 1])
{
    return sts_opaque_token_parse(STS_ACCESS_TOKEN_PREFIX, token, len, id);
}

int sts_opaque_token_parse(const char *prefix, const char *token, size_t len, char id[STS_ACCESS_TOKEN_ID_CHARS + 1])
{
    if (len != STS_ACCESS_TOKEN_CHARS || memcmp(token, prefix, prefix_len) != 0 ||
        token[prefix_len + STS_ACCESS_TOKEN_ID_CHARS] != ':')
        return -1;
    for (size_t i = 0; i < STS_ACCESS_TOKEN_ID_CHARS; i++) {
        char c = token[prefix_len + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    uint8_t secret[33];
    if (sts_base64_decode(token + prefix_len + STS_ACCESS_TOKEN_ID_CHARS + 1, STS_ACCESS_TOKEN_SECRET_CHARS, secret,
                          sizeof(secret), STS_BASE64_URL_RAW) != 32)
        return -1;
    memcpy(id, token + prefix_len, STS_ACCESS_TOKEN_ID_CHARS);
    id[STS_ACCESS_TOKEN_ID_CHARS] = '\0';
    return 0;
}

/*
 * Each thread keeps HMAC contexts keyed with the keys it used last and re-initialises them per call: the one-shot
 * HMAC() fetched the digest, made a context and hashed the key's pads every time, a tenth of an authenticated
 * request. The entries (the key and its pads) are wiped and freed when the thread exits.
 */
enum { CACHED_KEYS = 4 };
typedef struct {
    uint8_t key[CACHED_KEYS][32];
    EVP_MAC_CTX *ctx[CACHED_KEYS];
    unsigned next; /* the entry a miss replaces */
} thread_macs_t;

static pthread_key_t macs_key;
static pthread_once_t macs_once = PTHREAD_ONCE_INIT;
static EVP_MAC *hmac_algorithm;

static void free_macs(void *data)
{
    thread_macs_t *macs = data;
    for (int i = 0; i < CACHED_KEYS; i++)
        EVP_MAC_CTX_free(macs->ctx[i]);
    OPENSSL_cleanse(macs->key, sizeof(macs->key));
    free(macs);
}

static void prepare_macs(void)
{
    hmac_algorithm = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (hmac_algorithm == NULL || pthread_key_create(&macs_key, free_macs) != 0)
        sts_log_fatal("cannot prepare HMAC-SHA256");
}

/* This thread's context under key, ready for data. */
static EVP_MAC_CTX *keyed_mac(const uint8_t key[32])
{
    pthread_once(&macs_once, prepare_macs);
    thread_macs_t *macs = sts_thread_block(macs_key, sizeof(thread_macs_t));
    for (int i = 0; i < CACHED_KEYS; i++) {
        if (macs->ctx[i] != NULL && CRYPTO_memcmp(macs->key[i], key, 32) == 0) {
            if (EVP_MAC_init(macs->ctx[i], NULL, 0, NULL) != 1) /* the same key again: only the state is reset */
                sts_log_fatal("HMAC-SHA256 failed");
            return macs->ctx[i];
        }
    }
    unsigned slot = macs->next++ % CACHED_KEYS;
    EVP_MAC_CTX_free(macs->ctx[slot]);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0), OSSL_PARAM_construct_end()};
    macs->ctx[slot] = EVP_MAC_CTX_new(hmac_algorithm);
    if (macs->ctx[slot] == NULL || EVP_MAC_init(macs->ctx[slot], key, 32, params) != 1)
        sts_log_fatal("HMAC-SHA256 failed");
    memcpy(macs->key[slot], key, 32);
    return macs->ctx[slot];
}

void sts_access_token_hmac(const uint8_t key[32], const char *token, size_t len, uint8_t out[32])
{
    EVP_MAC_CTX *ctx = keyed_mac(key);
    size_t out_len = 0;
    if (EVP_MAC_update(ctx, (const unsigned char *)token, len) != 1 || EVP_MAC_final(ctx, out, &out_len, 32) != 1)
        sts_log_fatal("HMAC-SHA256 failed");
}
