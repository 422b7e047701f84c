/* The service's own JWS signing keys: ES256 (P-256), EdDSA (Ed25519) or RS256, through OpenSSL 3 EVP. */
#ifndef STS_CRYPTO_SIGNING_KEY_H
#define STS_CRYPTO_SIGNING_KEY_H
#include <stddef.h>
#include <openssl/types.h>
#include <stdint.h>
#include "crypto/aead.h"
#include "util/buf.h"

/** Signature algorithms a signing key may use. */
typedef enum { STS_SIGNING_ES256, STS_SIGNING_EDDSA, STS_SIGNING_RS256 } sts_signing_alg_t;

/** Length of a kid: the base64url SHA-256 RFC 7638 thumbprint, unpadded. */
#define STS_SIGNING_KID_CHARS 43

/** Largest sealed key sts_signing_key_unseal accepts (an RSA 2048 key seals to about 1.3 KiB). */
#define STS_SIGNING_SEALED_MAX_BYTES 16384

typedef struct sts_signing_key_s sts_signing_key_t;

/** The JWS "alg" name of an algorithm ("ES256", "EdDSA", "RS256"). */
const char *sts_signing_alg_name(sts_signing_alg_t alg);

/** The algorithm a JWS name (exact, as sts_signing_alg_name writes it) stands for; -1 when none. */
int sts_signing_alg_from_name(const char *name);

/** Generates a new key (RS256: 2048-bit RSA). Returns NULL with a message in error. */
sts_signing_key_t *sts_signing_key_generate(sts_signing_alg_t alg, char *error, size_t error_size);

/**
 * Seals the private key (PKCS#8 DER) under the key-encryption key: a random nonce, then ciphertext and tag; the kid
 * is authenticated as additional data, so a sealed key cannot be moved to another record. Appends to out.
 * Returns 0, or -1.
 */
int sts_signing_key_seal(const sts_signing_key_t *key, const sts_aead_t *kek, sts_buf_t *out);

/**
 * Opens what sts_signing_key_seal wrote for kid, and checks that the key is of alg and that its thumbprint is kid.
 * Returns NULL with a message in error (wrong key-encryption key, altered record, mismatch).
 */
sts_signing_key_t *sts_signing_key_unseal(sts_signing_alg_t alg, const char *kid, const uint8_t *sealed, size_t len,
                                          const sts_aead_t *kek, char *error, size_t error_size);

/** The key's kid (RFC 7638 thumbprint, base64url); lives as long as the key. */
const char *sts_signing_key_kid(const sts_signing_key_t *key);

/** The key's algorithm. */
sts_signing_alg_t sts_signing_key_alg(const sts_signing_key_t *key);

/** The public members of a key's JWK (RFC 7517/7518/8037), base64url; "" for members its type does not have. */
typedef struct {
    char kty[4]; /**< "EC", "OKP", "RSA" */
    char crv[8]; /**< "P-256", "Ed25519" */
    char x[48];  /**< EC and OKP */
    char y[48];  /**< EC */
    char n[700]; /**< RSA, up to 4096 bits */
    char e[16];  /**< RSA */
} sts_signing_jwk_t;

/** Fills out with the key's public members. Returns 0, or -1. Thread-safe. */
int sts_signing_key_public_members(const sts_signing_key_t *key, sts_signing_jwk_t *out);

/**
 * Appends the public key as one JWK object, with "kty", the key's members, "kid", "alg" and "use":"sig".
 * Returns 0, or -1 when out is full.
 */
int sts_signing_key_public_jwk(const sts_signing_key_t *key, sts_buf_t *out);

/**
 * Appends a JWS compact serialisation: header {"alg":…,"typ":typ,"kid":…}, then the base64url of payload (len
 * bytes of JSON), then the signature (ES256 in the raw R||S form JWS requires). typ must be 1 to 64 printable ASCII
 * characters without '"' or '\\'. Returns 0, or -1 (bad typ, out full; out is then unchanged). Thread-safe: a key
 * may sign on many threads at once.
 */
int sts_signing_key_sign(const sts_signing_key_t *key, const char *typ, const char *payload, size_t len,
                         sts_buf_t *out);

/**
 * Writes the RFC 7638 SHA-256 thumbprint of key's public members (EC P-256, Ed25519, RSA of 2048 bits or more),
 * base64url without padding and NUL-terminated, into kid: the kid a signing key of that public key has. A public
 * key suffices. Returns 0, or -1 for any other key type. Thread-safe.
 */
int sts_signing_thumbprint(const EVP_PKEY *key, char kid[STS_SIGNING_KID_CHARS + 1]);

/** Frees the key, wiping its private part. */
void sts_signing_key_free(sts_signing_key_t *key);

#endif
