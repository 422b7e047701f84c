/* The CSPRNG (OpenSSL's RAND_bytes). */
#ifndef STS_CRYPTO_RANDOM_H
#define STS_CRYPTO_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/** Fills out with len random bytes. Thread-safe. A failing CSPRNG is fatal: nothing may be issued without it. */
void sts_random_bytes(uint8_t *out, size_t len);

/**
 * Writes count characters drawn uniformly (rejection sampling, no modulo bias) from alphabet, which has
 * alphabet_len (2..256) characters. Does not NUL-terminate. Thread-safe.
 */
void sts_random_chars(char *out, size_t count, const char *alphabet, size_t alphabet_len);

#endif
