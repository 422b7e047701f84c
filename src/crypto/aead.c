#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct sts_aead_s {
    EVP_CIPHER *cipher;
    uint8_t key[STS_AEAD_KEY_BYTES];
    /* Contexts with the key schedule already done; calls copy them rather than expanding the key every time. */
    EVP_CIPHER_CTX *templates[2]; /* [0] decrypt, [1] encrypt */
};

sts_aead_t *sts_aead_create(const uint8_t key[STS_AEAD_KEY_BYTES])
{
    sts_aead_t *aead = calloc(1, sizeof(*aead));
    if (aead == NULL)
        sts_log_fatal("out of memory");
    /* An explicit fetch once, instead of the implicit one EVP_aes_256_gcm() costs on every init. */
    aead->cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (aead->cipher == NULL) {
        free(aead);
        return NULL;
    }
    memcpy(aead->key, key, STS_AEAD_KEY_BYTES);
    for (int encrypt = 0; encrypt < 2; encrypt++) {
        aead->templates[encrypt] = EVP_CIPHER_CTX_new();
        if (aead->templates[encrypt] == NULL ||
            EVP_CipherInit_ex2(aead->templates[encrypt], aead->cipher, aead->key, NULL, encrypt, NULL) != 1) {
            sts_aead_destroy(aead);
            return NULL;
        }
    }
    return aead;
}

void sts_aead_destroy(sts_aead_t *aead)
{
    if (aead == NULL)
        return;
    OPENSSL_cleanse(aead->key, sizeof(aead->key));
    EVP_CIPHER_CTX_free(aead->templates[0]);
    EVP_CIPHER_CTX_free(aead->templates[1]);
    EVP_CIPHER_free(aead->cipher);
    free(aead);
}

static EVP_CIPHER_CTX *start(const sts_aead_t *aead, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                             int encrypt)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        sts_log_fatal("out of memory");
    int len = 0;
    if (EVP_CIPHER_CTX_copy(ctx, aead->templates[encrypt]) != 1 ||
        EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, encrypt, NULL) != 1 ||
        (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &len, aad, (int)aad_len) != 1)) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int sts_aead_seal(const sts_aead_t *aead, const uint8_t nonce[STS_AEAD_NONCE_BYTES], const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = start(aead, nonce, aad, aad_len, 1);
    if (ctx == NULL)
        return -1;
    int written = 0, final = 0;
    int ok = EVP_CipherUpdate(ctx, out, &written, in, (int)len) == 1 &&
             EVP_CipherFinal_ex(ctx, out + written, &final) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, STS_AEAD_TAG_BYTES, out + len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

int sts_aead_open(const sts_aead_t *aead, const uint8_t nonce[STS_AEAD_NONCE_BYTES], const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t len, uint8_t *out)
{
    if (len < STS_AEAD_TAG_BYTES)
        return -1;
    size_t body = len - STS_AEAD_TAG_BYTES;
    EVP_CIPHER_CTX *ctx = start(aead, nonce, aad, aad_len, 0);
    if (ctx == NULL)
        return -1;
    int written = 0, final = 0;
    uint8_t tag[STS_AEAD_TAG_BYTES];
    memcpy(tag, in + body, sizeof(tag));
    int ok = EVP_CipherUpdate(ctx, out, &written, in, (int)body) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, STS_AEAD_TAG_BYTES, tag) == 1 &&
             EVP_CipherFinal_ex(ctx, out + written, &final) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        OPENSSL_cleanse(out, body);
    return ok ? 0 : -1;
}

void sts_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int out_len = 32;
    if (EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL) != 1)
        sts_log_fatal("SHA-256 failed");
}
