/* The access-token bearer format: "sts-at-v1:<id>:<secret>", of which only an HMAC is ever stored. */
#ifndef STS_CRYPTO_ACCESS_TOKEN_H
#define STS_CRYPTO_ACCESS_TOKEN_H
#include <stddef.h>
#include <stdint.h>
/** Length of a token id: lower-case hex of 16 random bytes (the store keys records by it). */
#define STS_ACCESS_TOKEN_ID_CHARS 32

#define STS_ACCESS_TOKEN_PREFIX "sts-at-v1:"
/** Base64url characters of the 256 random bits. */
#define STS_ACCESS_TOKEN_SECRET_CHARS 43
/** Length of a whole token. */
#define STS_ACCESS_TOKEN_CHARS                                                                                         \
    (sizeof(STS_ACCESS_TOKEN_PREFIX) - 1 + STS_ACCESS_TOKEN_ID_CHARS + 1 + STS_ACCESS_TOKEN_SECRET_CHARS)

/** Writes a fresh random id and a whole token (NUL-terminated) carrying it. Thread-safe. */
void sts_access_token_mint(char id[STS_ACCESS_TOKEN_ID_CHARS + 1], char token[STS_ACCESS_TOKEN_CHARS + 1]);

/** True when text looks like one of our access tokens (its prefix), so the chain can route it. */
int sts_access_token_recognised(const char *text, size_t len);

/**
 * Checks the format (prefix, 32 lower-case hex id, 43 base64url secret characters) and copies the id out.
 * Returns 0, or -1 when malformed.
 */
int sts_access_token_parse(const char *token, size_t len, char id[STS_ACCESS_TOKEN_ID_CHARS + 1]);

/**
 * The same format under another prefix of the same length (refresh tokens: "sts-rt-v1:"): writes prefix, id, ':'
 * and the base64url of secret, NUL-terminated. Thread-safe.
 */
void sts_opaque_token_compose(const char *prefix, const char id[STS_ACCESS_TOKEN_ID_CHARS + 1],
                              const uint8_t secret[32], char token[STS_ACCESS_TOKEN_CHARS + 1]);

/** sts_access_token_parse for a token under prefix (of STS_ACCESS_TOKEN_PREFIX's length). */
int sts_opaque_token_parse(const char *prefix, const char *token, size_t len, char id[STS_ACCESS_TOKEN_ID_CHARS + 1]);

/**
 * HMAC-SHA256 of the whole token under the server key. Each calling thread keeps contexts keyed with the last four
 * keys it used (wiped and freed when it exits). Thread-safe.
 */
void sts_access_token_hmac(const uint8_t key[32], const char *token, size_t len, uint8_t out[32]);

#endif
