/* Verification keys for JWTs: a JWKS document or PEM public keys, each with the algorithms it may be used with. */
#ifndef STS_AUTH_JWK_H
#define STS_AUTH_JWK_H
#include <openssl/evp.h>
#include <stddef.h>

/** Largest JWKS document or PEM file read. */
#define STS_JWKS_MAX_BYTES (256 * 1024)

/** JWS algorithms we verify; HMAC and "none" are deliberately absent. */
typedef enum {
    STS_JWT_RS256 = 1 << 0,
    STS_JWT_RS384 = 1 << 1,
    STS_JWT_RS512 = 1 << 2,
    STS_JWT_PS256 = 1 << 3,
    STS_JWT_ES256 = 1 << 4,
    STS_JWT_ES384 = 1 << 5,
    STS_JWT_EDDSA = 1 << 6,
} sts_jwt_alg_t;

/** The algorithm named by a JWS "alg" value; 0 for anything we refuse (none, HS256, unknown). */
sts_jwt_alg_t sts_jwt_alg_from_name(const char *name);

/** One public key. */
typedef struct {
    char *kid;     /**< NULL for PEM keys, which match tokens without a known kid */
    unsigned algs; /**< sts_jwt_alg_t bits this key may verify */
    EVP_PKEY *key;
} sts_jwk_t;

/** An immutable set of keys, shared by reference between request threads and the refresher. */
typedef struct {
    sts_jwk_t *keys;
    size_t count;
} sts_jwk_set_t;

/**
 * Parses a JWKS document ({"keys":[...]}) of RSA, EC (P-256, P-384) and OKP (Ed25519) public keys. A key's "alg",
 * when present, limits it to that algorithm; otherwise its type decides (RSA: RS256/384/512 and PS256; P-256:
 * ES256; P-384: ES384; Ed25519: EdDSA). Keys with "use" other than "sig", symmetric keys and unknown types are
 * skipped. Returns 0 and a new set, or -1 with a message in error.
 */
int sts_jwk_set_parse(const char *json, size_t len, sts_jwk_set_t **out, char *error, size_t error_size);

/** Most public keys one PEM file may hold. */
#define STS_PEM_KEYS_MAX 16

/**
 * Adds every public key in a PEM file (one or more "PUBLIC KEY" blocks, e.g. an identity provider's current and next
 * key) to set (created when *set is NULL). All or nothing: a file with a block that is not a supported public key
 * adds none. Returns 0, or -1 with a message naming the file and the key's position.
 */
int sts_jwk_set_add_pem(sts_jwk_set_t **set, const char *path, char *error, size_t error_size);

/** Frees a set and its keys. */
void sts_jwk_set_free(sts_jwk_set_t *set);

#endif
