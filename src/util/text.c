#include "util/text.h"
#include <stdio.h>
#include <string.h>
#include "util/log.h"

char *sts_strndup(const char *text, size_t len)
{
    if (text == NULL)
        return NULL;
    char *out = strndup(text, len);
    if (out == NULL)
        sts_log_fatal("out of memory");
    return out;
}

char *sts_strdup(const char *text)
{
    return sts_strndup(text, text != NULL ? strlen(text) : 0);
}

size_t sts_text_clean(const char *text, size_t len, size_t max_bytes, char *out, size_t out_size)
{
    if (out_size < max_bytes + STS_TEXT_CLEAN_EXTRA)
        sts_log_fatal("sts_text_clean: out is smaller than max_bytes + STS_TEXT_CLEAN_EXTRA");
    size_t n = len;
    int cut = n > max_bytes;
    if (cut) {
        n = max_bytes;
        /* Back up over continuation bytes so the cut does not split a character. */
        while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        out[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    if (cut) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return n;
}

char *sts_url_redact(const char *url, char *out, size_t out_size)
{
    if (out_size == 0)
        return out;
    const char *scheme_end = strstr(url, "://");
    const char *authority = scheme_end != NULL ? scheme_end + 3 : NULL;
    const char *at = NULL;
    if (authority != NULL && strcspn(url, ":/?#") == (size_t)(scheme_end - url)) {
        size_t authority_len = strcspn(authority, "/?#");
        /* The last '@' ends the user information: a password may itself hold an '@'. */
        for (const char *p = authority; p < authority + authority_len; p++) {
            if (*p == '@')
                at = p;
        }
    }
    if (at == NULL)
        snprintf(out, out_size, "%s", url);
    else
        snprintf(out, out_size, "%.*s%s", (int)(authority - url), url, at + 1);
    return out;
}

void sts_hex_encode(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

int sts_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sts_bytes_equal(const void *a, const void *b, size_t len)
{
    const unsigned char *x = a, *y = b;
    unsigned diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (unsigned)(x[i] ^ y[i]);
    return diff == 0;
}

size_t sts_decimal(uint64_t value, char *out)
{
    char digits[STS_DECIMAL_MAX];
    size_t n = sizeof(digits);
    do {
        digits[--n] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    memcpy(out, digits + n, sizeof(digits) - n);
    out[sizeof(digits) - n] = '\0';
    return sizeof(digits) - n;
}
