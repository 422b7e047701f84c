#include "crypto/random.h"

#include <openssl/rand.h>

#include "util/log.h"

void sts_random_bytes(uint8_t *out, size_t len)
{
    if (len != 0 && RAND_bytes(out, (int)len) != 1)
        sts_log_fatal("the CSPRNG failed");
}

void sts_random_chars(char *out, size_t count, const char *alphabet, size_t alphabet_len)
{
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
