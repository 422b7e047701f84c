/* AES-256-GCM sealing (OpenSSL EVP). */
#ifndef STS_CRYPTO_AEAD_H
#define STS_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define STS_AEAD_KEY_BYTES   32
#define STS_AEAD_NONCE_BYTES 12
#define STS_AEAD_TAG_BYTES   16

typedef struct sts_aead_s sts_aead_t;

/**
 * Prepares AES-256-GCM under key (copied; wiped on destroy). Immutable afterwards, so seal and open may run on
 * many threads at once. Each thread that seals or opens keeps up to four prepared contexts (key schedules) for the
 * keys it used last, until other keys replace them or the thread exits, when they are wiped and freed.
 * Returns NULL only if OpenSSL lacks the cipher.
 */
sts_aead_t *sts_aead_create(const uint8_t key[STS_AEAD_KEY_BYTES]);

/** Wipes the key and frees. */
void sts_aead_destroy(sts_aead_t *aead);

/**
 * Encrypts len bytes of in, authenticating aad too, into out as ciphertext followed by the tag: out needs
 * len + STS_AEAD_TAG_BYTES bytes. The nonce must never repeat under one key (use a random one).
 * Returns 0, or -1 if OpenSSL fails.
 */
int sts_aead_seal(const sts_aead_t *aead, const uint8_t nonce[STS_AEAD_NONCE_BYTES], const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t len, uint8_t *out);

/**
 * Decrypts ciphertext-and-tag (len bytes, at least the tag) into out (len - STS_AEAD_TAG_BYTES bytes).
 * Returns 0, or -1 if the tag does not verify (altered data, other key or other aad); out is then wiped.
 */
int sts_aead_open(const sts_aead_t *aead, const uint8_t nonce[STS_AEAD_NONCE_BYTES], const uint8_t *aad, size_t aad_len,
                  const uint8_t *in, size_t len, uint8_t *out);

/** SHA-256 of len bytes into out. */
void sts_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
