#include "core/request_id.h"
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
    sts_random_chars(out, 32, "0123456789abcdef", 16);
    out[32] = '\0';
}
