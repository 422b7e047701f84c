#include "aws/session_name.h"
#include <string.h>
#include "crypto/random.h"

#define SUFFIX_CHARS    6
#define ANONYMOUS_CHARS 12

static const char suffix_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static int allowed(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("_=,.@-", c) != NULL;
}

void sts_aws_session_name(const char *caller, char out[STS_AWS_SESSION_NAME_MAX])
{
    size_t n = 0;
    if (caller == NULL || caller[0] == '\0') {
        memcpy(out, "sts-", 4);
        sts_random_chars(out + 4, ANONYMOUS_CHARS, suffix_alphabet, sizeof(suffix_alphabet) - 1);
        out[4 + ANONYMOUS_CHARS] = '\0';
        return;
    }
    const size_t room = STS_AWS_SESSION_NAME_MAX - 1 - 1 - SUFFIX_CHARS;
    for (const char *p = caller; *p != '\0' && n < room; p++)
        out[n++] = allowed(*p) ? *p : '_';
    out[n++] = '-';
    sts_random_chars(out + n, SUFFIX_CHARS, suffix_alphabet, sizeof(suffix_alphabet) - 1);
    out[n + SUFFIX_CHARS] = '\0';
}
