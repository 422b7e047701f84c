/*
 * JWT parsing and verification against a fixed key set (an ES256 and an EdDSA key made at start). With the first
 * byte even, the rest is a token as a caller would send it: header, payload and signature parsing. With it odd, the
 * rest is a payload that one of the keys signs first, so the claims checks (times, issuer, audience, roles,
 * identity) are reached with a valid signature.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "auth/jwt.h"
#include "crypto/signing_key.h"
#include "util/buf.h"

static sts_signing_key_t *keys[2];
static sts_jwk_set_t *key_set;
static const char *const issuers[] = {"https://sts.test"};
static const char *const audiences[] = {"sts"};
static const char *const role_paths[] = {"realm_access.roles", "resource_access.<audience>.roles"};
static const sts_jwt_rules_t rules = {.issuers = issuers,
                                      .issuer_count = 1,
                                      .audiences = audiences,
                                      .audience_count = 1,
                                      .leeway_seconds = 60,
                                      .username_claim = "preferred_username",
                                      .role_paths = role_paths,
                                      .role_path_count = 2};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char error[256];
    sts_buf_t jwks;
    sts_buf_init(&jwks, 1 << 16);
    sts_buf_append_str(&jwks, "{\"keys\":[");
    for (int i = 0; i < 2; i++) {
        keys[i] = sts_signing_key_generate(i == 0 ? STS_SIGNING_ES256 : STS_SIGNING_EDDSA, error, sizeof(error));
        if (keys[i] == NULL || (i > 0 && sts_buf_append_str(&jwks, ",") != 0) ||
            sts_signing_key_public_jwk(keys[i], &jwks) != 0)
            abort();
    }
    if (sts_buf_append_str(&jwks, "]}") != 0 ||
        sts_jwk_set_parse(jwks.data, jwks.len, &key_set, error, sizeof(error)) != 0)
        abort();
    sts_buf_dispose(&jwks);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    sts_buf_t signed_token;
    sts_buf_init(&signed_token, STS_JWT_MAX_CHARS * 2);
    if (data[0] & 1) {
        if (sts_signing_key_sign(keys[(data[0] >> 1) & 1], "at+jwt", text, len, &signed_token) != 0) {
            sts_buf_dispose(&signed_token);
            return 0;
        }
        text = signed_token.data;
        len = signed_token.len;
    }
    sts_jwt_identity_t identity;
    char why[256];
    if (sts_jwt_verify(key_set, &rules, text, len, (long long)time(NULL), &identity, why, sizeof(why)) == STS_JWT_OK)
        sts_jwt_identity_dispose(&identity);
    char kid[128];
    (void)sts_jwt_peek_kid(text, len, kid, sizeof(kid));
    sts_buf_dispose(&signed_token);
    return 0;
}
