#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "util/log.h"

/*
 * Each RAND_bytes call costs a getpid system call (OpenSSL's fork check) and DRBG locking, which showed up at
 * several per cent of a PUT /token. Small requests are served from a per-thread block of CSPRNG output instead;
 * bytes are wiped from the block as they are handed out. stsd never forks, so no two processes share a block.
 */
#define POOL_BYTES 4096
static __thread uint8_t pool[POOL_BYTES];
static __thread size_t pool_used = POOL_BYTES;

static void fill(uint8_t *out, size_t len)
{
    if (len != 0 && RAND_bytes(out, (int)len) != 1)
        sts_log_fatal("the CSPRNG failed");
}

void sts_random_bytes(uint8_t *out, size_t len)
{
    if (len > POOL_BYTES / 8) {
        fill(out, len);
        return;
    }
    if (POOL_BYTES - pool_used < len) {
        fill(pool, POOL_BYTES);
        pool_used = 0;
    }
    memcpy(out, pool + pool_used, len);
    OPENSSL_cleanse(pool + pool_used, len);
    pool_used += len;
}

void sts_random_chars(char *out, size_t count, const char *alphabet, size_t alphabet_len)
{
    if ((alphabet_len & (alphabet_len - 1)) == 0) {
        /* A power of two divides 256: each byte is one character, unbiased, with a mask rather than a division. */
        uint8_t bytes[64];
        for (size_t done = 0; done < count;) {
            size_t take = count - done < sizeof(bytes) ? count - done : sizeof(bytes);
            sts_random_bytes(bytes, take);
            for (size_t i = 0; i < take; i++)
                out[done + i] = alphabet[bytes[i] & (alphabet_len - 1)];
            done += take;
        }
        OPENSSL_cleanse(bytes, sizeof(bytes));
        return;
    }
    /* Bytes at or above the largest multiple of alphabet_len are discarded, so every character is equally likely. */
    unsigned limit = 256 - 256 % (unsigned)alphabet_len;
    uint8_t pool[64];
    size_t used = sizeof(pool);
    size_t written = 0;
    while (written < count) {
        if (used == sizeof(pool)) {
            sts_random_bytes(pool, sizeof(pool));
            used = 0;
        }
        uint8_t byte = pool[used++];
        if (byte < limit)
            out[written++] = alphabet[byte % alphabet_len];
    }
}
