#include "core/request_id.h"
#include <stdint.h>
#include <string.h>
#include "crypto/random.h"

static int sane(const char *text, size_t len)
{
    if (len == 0 || len > STS_REQUEST_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!plain && (c == '\0' || strchr("-_.:/+=@", c) == NULL))
            return 0;
    }
    return 1;
}

void sts_request_id_choose(const char *incoming, size_t len, char out[STS_REQUEST_ID_MAX + 1])
{
    if (incoming != NULL && sane(incoming, len)) {
        memcpy(out, incoming, len);
        out[len] = '\0';
        return;
    }
    static _Thread_local uint64_t prefix, count;
    if (prefix == 0) {
        while (prefix == 0)
            sts_random_bytes((uint8_t *)&prefix, sizeof(prefix));
    }
    count++;
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[i] = digits[(prefix >> (60 - 4 * i)) & 15];
        out[16 + i] = digits[(count >> (60 - 4 * i)) & 15];
    }
    out[32] = '\0';
}
