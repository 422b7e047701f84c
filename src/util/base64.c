#include "util/base64.h"

static const char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t sts_base64_encoded_len(size_t len, sts_base64_variant_t variant)
{
    if (variant == STS_BASE64_STD)
        return (len + 2) / 3 * 4;
    return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
}

long sts_base64_encode(const uint8_t *in, size_t len, char *out, size_t out_size, sts_base64_variant_t variant)
{
    size_t need = sts_base64_encoded_len(len, variant);
    if (out_size < need + 1)
        return -1;
    const char *alphabet = variant == STS_BASE64_STD ? std_alphabet : url_alphabet;
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        if (i + 1 < len)
            out[o++] = alphabet[v >> 6 & 63];
        else if (variant == STS_BASE64_STD)
            out[o++] = '=';
        if (variant == STS_BASE64_STD)
            out[o++] = '=';
    }
    out[o] = '\0';
    return (long)o;
}

size_t sts_base64_decoded_max(size_t len)
{
    return (len + 3) / 4 * 3;
}

/* 1 for each byte of the base64url alphabet: a table built by the compiler, one load per byte when scanning. */
#define URL_CHAR(c)                                                                                                    \
    (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || ((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '_')
#define URL_CHARS4(c)  URL_CHAR(c), URL_CHAR((c) + 1), URL_CHAR((c) + 2), URL_CHAR((c) + 3)
#define URL_CHARS16(c) URL_CHARS4(c), URL_CHARS4((c) + 4), URL_CHARS4((c) + 8), URL_CHARS4((c) + 12)
#define URL_CHARS64(c) URL_CHARS16(c), URL_CHARS16((c) + 16), URL_CHARS16((c) + 32), URL_CHARS16((c) + 48)
static const unsigned char url_chars[256] = {URL_CHARS64(0), URL_CHARS64(64), URL_CHARS64(128), URL_CHARS64(192)};

size_t sts_base64_url_span(const char *text, size_t len)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t i = 0;
    /* Four at a time: tokens are hundreds of characters, and the branch per byte was most of the scan. */
    while (len - i >= 4 &&
           (url_chars[bytes[i]] & url_chars[bytes[i + 1]] & url_chars[bytes[i + 2]] & url_chars[bytes[i + 3]]))
        i += 4;
    while (i < len && url_chars[bytes[i]])
        i++;
    return i;
}

static int value_of(char c, sts_base64_variant_t variant)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (variant == STS_BASE64_STD)
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

long sts_base64_decode(const char *in, size_t len, uint8_t *out, size_t out_size, sts_base64_variant_t variant)
{
    if (variant == STS_BASE64_STD) {
        if (len % 4 != 0)
            return -1;
        size_t pad = 0;
        while (pad < 2 && len > 0 && in[len - 1] == '=') {
            len--;
            pad++;
        }
    }
    if (len % 4 == 1)
        return -1;
    size_t need = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
    if (out_size < need)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = value_of(in[i], variant);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Leftover bits must be zero, so every byte string has exactly one encoding. */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)o;
}
