#include "crypto/access_jwt.h"
#include <string.h>
#include <yajl/yajl_gen.h>
#include "crypto/random.h"

static int put_string(yajl_gen gen, const char *key, const char *value)
{
    return yajl_gen_string(gen, (const unsigned char *)key, strlen(key)) != yajl_gen_status_ok ||
           yajl_gen_string(gen, (const unsigned char *)value, strlen(value)) != yajl_gen_status_ok;
}

static int put_number(yajl_gen gen, const char *key, int64_t value)
{
    return yajl_gen_string(gen, (const unsigned char *)key, strlen(key)) != yajl_gen_status_ok ||
           yajl_gen_integer(gen, (long long)value) != yajl_gen_status_ok;
}

static int put_roles(yajl_gen gen, const sts_access_jwt_claims_t *claims)
{
    int failed = put_string(gen, "typ", "Bearer") || /* Keycloak marks its access tokens so */
                 yajl_gen_string(gen, (const unsigned char *)"realm_access", 12) != yajl_gen_status_ok ||
                 yajl_gen_map_open(gen) != yajl_gen_status_ok ||
                 yajl_gen_string(gen, (const unsigned char *)"roles", 5) != yajl_gen_status_ok ||
                 yajl_gen_array_open(gen) != yajl_gen_status_ok;
    for (size_t i = 0; i < claims->role_count && !failed; i++)
        failed = yajl_gen_string(gen, (const unsigned char *)claims->roles[i], strlen(claims->roles[i])) !=
                 yajl_gen_status_ok;
    return failed || yajl_gen_array_close(gen) != yajl_gen_status_ok || yajl_gen_map_close(gen) != yajl_gen_status_ok;
}

int sts_access_jwt_payload(const sts_access_jwt_claims_t *claims, sts_buf_t *out)
{
    char jti[33];
    sts_random_chars(jti, sizeof(jti) - 1, "0123456789abcdef", 16);
    jti[sizeof(jti) - 1] = '\0';
    yajl_gen gen = yajl_gen_alloc(NULL);
    if (gen == NULL)
        return -1;
    int failed = yajl_gen_map_open(gen) != yajl_gen_status_ok || put_string(gen, "iss", claims->issuer) ||
                 put_string(gen, "sub", claims->subject) || put_string(gen, "aud", claims->audience) ||
                 put_number(gen, "exp", claims->expires_at) || put_number(gen, "iat", claims->issued_at_ms / 1000) ||
                 put_number(gen, "nbf", claims->issued_at_ms / 1000) ||
                 put_number(gen, STS_ACCESS_JWT_ISSUED_MS_CLAIM, claims->issued_at_ms) || put_string(gen, "jti", jti) ||
                 (claims->client_id != NULL && put_string(gen, "client_id", claims->client_id)) ||
                 (claims->username != NULL && put_string(gen, "preferred_username", claims->username)) ||
                 (claims->session_id != NULL && put_string(gen, "sid", claims->session_id)) ||
                 (claims->scope != NULL && claims->scope[0] != '\0' && put_string(gen, "scope", claims->scope)) ||
                 put_roles(gen, claims) || yajl_gen_map_close(gen) != yajl_gen_status_ok;
    const unsigned char *json = NULL;
    size_t len = 0;
    if (!failed)
        failed = yajl_gen_get_buf(gen, &json, &len) != yajl_gen_status_ok || sts_buf_append(out, json, len) != 0;
    yajl_gen_free(gen);
    return failed ? -1 : 0;
}
