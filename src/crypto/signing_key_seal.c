/* Signing keys at rest: PKCS#8 DER sealed with AES-256-GCM under the key-encryption key, bound to the kid. */
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "crypto/signing_key_internal.h"
#include "util/log.h"

#define AAD_PREFIX "sts-signing-key-v1:"
/* The smallest sealed key: a nonce, at least one byte of DER, a tag. */
#define MIN_SEALED_BYTES (STS_AEAD_NONCE_BYTES + 1 + STS_AEAD_TAG_BYTES)

/* The additional data: a version label and the kid, so a sealed key opens only for the record it was made for. */
static size_t make_aad(const char *kid, uint8_t aad[sizeof(AAD_PREFIX) - 1 + STS_SIGNING_KID_CHARS])
{
    memcpy(aad, AAD_PREFIX, sizeof(AAD_PREFIX) - 1);
    memcpy(aad + sizeof(AAD_PREFIX) - 1, kid, STS_SIGNING_KID_CHARS);
    return sizeof(AAD_PREFIX) - 1 + STS_SIGNING_KID_CHARS;
}

int sts_signing_key_seal(const sts_signing_key_t *key, const sts_aead_t *kek, sts_buf_t *out)
{
    OSSL_ENCODER_CTX *encoder =
        OSSL_ENCODER_CTX_new_for_pkey(key->pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", NULL);
    unsigned char *der = NULL;
    size_t der_len = 0;
    int encoded = encoder != NULL && OSSL_ENCODER_CTX_get_num_encoders(encoder) > 0 &&
                  OSSL_ENCODER_to_data(encoder, &der, &der_len) == 1;
    OSSL_ENCODER_CTX_free(encoder);
    if (!encoded) {
        ERR_clear_error();
        return -1;
    }
    int result = -1;
    size_t sealed_len = STS_AEAD_NONCE_BYTES + der_len + STS_AEAD_TAG_BYTES;
    if (sealed_len <= STS_SIGNING_SEALED_MAX_BYTES) {
        uint8_t *sealed = malloc(sealed_len);
        if (sealed == NULL)
            sts_log_fatal("out of memory");
        uint8_t aad[sizeof(AAD_PREFIX) - 1 + STS_SIGNING_KID_CHARS];
        size_t aad_len = make_aad(key->kid, aad);
        sts_random_bytes(sealed, STS_AEAD_NONCE_BYTES);
        if (sts_aead_seal(kek, sealed, aad, aad_len, der, der_len, sealed + STS_AEAD_NONCE_BYTES) == 0)
            result = sts_buf_append(out, sealed, sealed_len);
        free(sealed);
    }
    OPENSSL_clear_free(der, der_len);
    return result;
}

static int kid_valid(const char *kid)
{
    if (kid == NULL || strlen(kid) != STS_SIGNING_KID_CHARS)
        return 0;
    for (size_t i = 0; i < STS_SIGNING_KID_CHARS; i++) {
        char c = kid[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* The private key in PKCS#8 DER; NULL when it is not one. */
static EVP_PKEY *decode_pkcs8(const uint8_t *der, size_t len)
{
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *decoder =
        OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "PrivateKeyInfo", NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
    const unsigned char *p = der;
    size_t left = len;
    int ok = decoder != NULL && OSSL_DECODER_from_data(decoder, &p, &left) == 1 && pkey != NULL && left == 0;
    OSSL_DECODER_CTX_free(decoder);
    if (!ok) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return NULL;
    }
    return pkey;
}

sts_signing_key_t *sts_signing_key_unseal(sts_signing_alg_t alg, const char *kid, const uint8_t *sealed, size_t len,
                                          const sts_aead_t *kek, char *error, size_t error_size)
{
    if (sts_signing_alg_from_name(sts_signing_alg_name(alg)) < 0) {
        snprintf(error, error_size, "unknown signing algorithm %d", (int)alg);
        return NULL;
    }
    if (!kid_valid(kid)) {
        snprintf(error, error_size, "a signing key's kid must be %d base64url characters", STS_SIGNING_KID_CHARS);
        return NULL;
    }
    if (len > STS_SIGNING_SEALED_MAX_BYTES) {
        snprintf(error, error_size, "the sealed signing key %s is %zu bytes, more than the %d allowed", kid, len,
                 STS_SIGNING_SEALED_MAX_BYTES);
        return NULL;
    }
    if (len < MIN_SEALED_BYTES) {
        snprintf(error, error_size, "the sealed signing key %s is truncated (%zu bytes)", kid, len);
        return NULL;
    }
    size_t der_len = len - STS_AEAD_NONCE_BYTES - STS_AEAD_TAG_BYTES;
    uint8_t *der = malloc(der_len);
    if (der == NULL)
        sts_log_fatal("out of memory");
    uint8_t aad[sizeof(AAD_PREFIX) - 1 + STS_SIGNING_KID_CHARS];
    size_t aad_len = make_aad(kid, aad);
    if (sts_aead_open(kek, sealed, aad, aad_len, sealed + STS_AEAD_NONCE_BYTES, len - STS_AEAD_NONCE_BYTES, der) != 0) {
        free(der); /* sts_aead_open wiped it */
        snprintf(error, error_size,
                 "the sealed signing key %s does not open: another key-encryption key, an altered record, or a "
                 "record of another kid",
                 kid);
        return NULL;
    }
    EVP_PKEY *pkey = decode_pkcs8(der, der_len);
    OPENSSL_clear_free(der, der_len);
    if (pkey == NULL) {
        snprintf(error, error_size, "the sealed signing key %s does not hold a PKCS#8 private key", kid);
        return NULL;
    }
    char why[128];
    sts_signing_key_t *key = sts__signing_key_wrap(pkey, alg, why, sizeof(why));
    if (key == NULL) {
        snprintf(error, error_size, "the sealed signing key %s: %s", kid, why);
        return NULL;
    }
    /* Sealing binds the kid, but a record sealed for a wrong kid would still open: the key must be the kid's. */
    if (CRYPTO_memcmp(key->kid, kid, STS_SIGNING_KID_CHARS) != 0) {
        snprintf(error, error_size, "the sealed signing key %s has another thumbprint than its kid", kid);
        sts_signing_key_free(key);
        return NULL;
    }
    return key;
}
