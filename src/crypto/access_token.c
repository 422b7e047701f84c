#include "crypto/access_token.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include "crypto/random.h"
#include "util/base64.h"

static const size_t prefix_len = sizeof(STS_ACCESS_TOKEN_PREFIX) - 1;

void sts_opaque_token_compose(const char *prefix, const char id[STS_ACCESS_TOKEN_ID_CHARS + 1],
                              const uint8_t secret[32], char token[STS_ACCESS_TOKEN_CHARS + 1])
{
    memcpy(token, prefix, prefix_len);
    memcpy(token + prefix_len, id, STS_ACCESS_TOKEN_ID_CHARS);
    token[prefix_len + STS_ACCESS_TOKEN_ID_CHARS] = ':';
    sts_base64_encode(secret, 32, token + prefix_len + STS_ACCESS_TOKEN_ID_CHARS + 1, STS_ACCESS_TOKEN_SECRET_CHARS + 1,
                      STS_BASE64_URL_RAW);
}

void sts_access_token_mint(char id[STS_ACCESS_TOKEN_ID_CHARS + 1], char token[STS_ACCESS_TOKEN_CHARS + 1])
{
    sts_random_chars(id, STS_ACCESS_TOKEN_ID_CHARS, "0123456789abcdef", 16);
    id[STS_ACCESS_TOKEN_ID_CHARS] = '\0';
    uint8_t secret[32];
    sts_random_bytes(secret, sizeof(secret));
    sts_opaque_token_compose(STS_ACCESS_TOKEN_PREFIX, id, secret, token);
    OPENSSL_cleanse(secret, sizeof(secret));
}

int sts_access_token_recognised(const char *text, size_t len)
{
    return len >= prefix_len && memcmp(text, STS_ACCESS_TOKEN_PREFIX, prefix_len) == 0;
}

int sts_access_token_parse(const char *token, size_t len, char id[STS_ACCESS_TOKEN_ID_CHARS + 1])
{
    return sts_opaque_token_parse(STS_ACCESS_TOKEN_PREFIX, token, len, id);
}

int sts_opaque_token_parse(const char *prefix, const char *token, size_t len, char id[STS_ACCESS_TOKEN_ID_CHARS + 1])
{
    if (len != STS_ACCESS_TOKEN_CHARS || memcmp(token, prefix, prefix_len) != 0 ||
        token[prefix_len + STS_ACCESS_TOKEN_ID_CHARS] != ':')
        return -1;
    for (size_t i = 0; i < STS_ACCESS_TOKEN_ID_CHARS; i++) {
        char c = token[prefix_len + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
    }
    uint8_t secret[33];
    if (sts_base64_decode(token + prefix_len + STS_ACCESS_TOKEN_ID_CHARS + 1, STS_ACCESS_TOKEN_SECRET_CHARS, secret,
                          sizeof(secret), STS_BASE64_URL_RAW) != 32)
        return -1;
    memcpy(id, token + prefix_len, STS_ACCESS_TOKEN_ID_CHARS);
    id[STS_ACCESS_TOKEN_ID_CHARS] = '\0';
    return 0;
}

void sts_access_token_hmac(const uint8_t key[32], const char *token, size_t len, uint8_t out[32])
{
    unsigned int out_len = 32;
    HMAC(EVP_sha256(), key, 32, (const unsigned char *)token, len, out, &out_len);
}
