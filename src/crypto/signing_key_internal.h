/* What the signing-key files share: the key object and the step that wraps an OpenSSL key into one. */
#ifndef STS_CRYPTO_SIGNING_KEY_INTERNAL_H
#define STS_CRYPTO_SIGNING_KEY_INTERNAL_H
#include <openssl/evp.h>

#include "crypto/signing_key.h"

struct sts_signing_key_s {
    sts_signing_alg_t alg;
    EVP_PKEY *pkey;
    /* Fetched once: an implicit fetch by name on every signature costs a lock and a lookup. NULL for EdDSA. */
    EVP_MD *md;
    char kid[STS_SIGNING_KID_CHARS + 1];
};

/** The algorithm a key can sign with (P-256: ES256, Ed25519: EdDSA, RSA of 2048 bits or more: RS256); -1 else. */
int sts__signing_alg_of(const EVP_PKEY *pkey);

/**
 * Wraps pkey (ownership taken, freed on failure) as a key of alg: checks the key suits alg, computes the kid.
 * Returns NULL with a message in error.
 */
sts_signing_key_t *sts__signing_key_wrap(EVP_PKEY *pkey, sts_signing_alg_t alg, char *error, size_t error_size);

#endif
