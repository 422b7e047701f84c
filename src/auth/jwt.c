#include "auth/jwt.h"
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_tree.h>
#include "util/base64.h"
#include "util/log.h"
#include "util/text.h"
#include "util/timefmt.h"

/* A decoded part of the token: base64url-decoded bytes, NUL-terminated for the JSON parser. */
static char *decode_part(const char *text, size_t len, size_t *out_len)
{
    size_t size = sts_base64_decoded_max(len) + 1;
    char *out = malloc(size);
    if (out == NULL)
        sts_log_fatal("out of memory");
    long n = sts_base64_decode(text, len, (uint8_t *)out, size - 1, STS_BASE64_URL_RAW);
    if (n < 0) {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    *out_len = (size_t)n;
    return out;
}

static yajl_val parse_object(const char *text, size_t len)
{
    size_t decoded_len = 0;
    char *json = decode_part(text, len, &decoded_len);
    if (json == NULL || strlen(json) != decoded_len) {
        free(json);
        return NULL;
    }
    yajl_val value = yajl_tree_parse(json, NULL, 0);
    free(json);
    if (value != NULL && !YAJL_IS_OBJECT(value)) {
        yajl_tree_free(value);
        return NULL;
    }
    return value;
}

static yajl_val get(yajl_val object, const char *name, yajl_type type)
{
    const char *path[] = {name, NULL};
    return yajl_tree_get(object, path, type);
}

/*
 * A NumericDate claim: 1 and *out when present and valid, 0 when absent, -1 (with why) when it is not a number in
 * 0..STS_JWT_MAX_NUMERIC_DATE. The range test comes before any conversion: a double outside long long's range (or a
 * number yajl could not represent at all) must never reach the cast.
 */
static int numeric_date(yajl_val claims, const char *name, int round_up, long long *out, char *why, size_t why_size)
{
    yajl_val value = get(claims, name, yajl_t_any);
    if (value == NULL)
        return 0;
    if (!YAJL_IS_NUMBER(value)) {
        snprintf(why, why_size, "malformed: the %s claim is not a number", name);
        return -1;
    }
    if (YAJL_IS_INTEGER(value)) {
        long long n = YAJL_GET_INTEGER(value);
        if (n >= 0 && n <= STS_JWT_MAX_NUMERIC_DATE) {
            *out = n;
            return 1;
        }
    } else if (YAJL_IS_DOUBLE(value)) {
        double d = YAJL_GET_DOUBLE(value);
        if (d >= 0 && d <= (double)STS_JWT_MAX_NUMERIC_DATE) {
            long long n = (long long)d; /* truncation is floor here: d is not negative */
            if (round_up && (double)n < d)
                n++;
            *out = n;
            return 1;
        }
    }
    snprintf(why, why_size, "malformed: the %s claim %.32s is out of range (seconds since 1970, up to year 9999)", name,
             value->u.number.r != NULL ? value->u.number.r : "");
    return -1;
}

static const EVP_MD *digest_of(sts_jwt_alg_t alg)
{
    switch (alg) {
    case STS_JWT_RS384:
    case STS_JWT_ES384:
        return EVP_sha384();
    case STS_JWT_RS512:
        return EVP_sha512();
    case STS_JWT_EDDSA:
        return NULL;
    default:
        return EVP_sha256();
    }
}

/* JWS carries ECDSA signatures as r || s; OpenSSL wants DER. */
static unsigned char *ecdsa_der(const unsigned char *raw, size_t raw_len, size_t coordinate, size_t *der_len)
{
    if (raw_len != 2 * coordinate)
        return NULL;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)coordinate, NULL), *s = BN_bin2bn(raw + coordinate, (int)coordinate, NULL);
    unsigned char *der = NULL;
    if (sig != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL; /* owned by sig now */
        int n = i2d_ECDSA_SIG(sig, &der);
        *der_len = n > 0 ? (size_t)n : 0;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return der;
}

static int verify_signature(EVP_PKEY *key, sts_jwt_alg_t alg, const char *signed_part, size_t signed_len,
                            const unsigned char *sig, size_t sig_len)
{
    unsigned char *der = NULL;
    if (alg == STS_JWT_ES256 || alg == STS_JWT_ES384) {
        der = ecdsa_der(sig, sig_len, alg == STS_JWT_ES256 ? 32 : 48, &sig_len);
        if (der == NULL)
            return 0;
        sig = der;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pkey_ctx = NULL;
    int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, &pkey_ctx, digest_of(alg), NULL, key) == 1;
    if (ok && alg == STS_JWT_PS256)
        ok = EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    ok = ok && EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)signed_part, signed_len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok;
}

/* Header values quoted in a reason reach a log line and a WWW-Authenticate header: keep them printable ASCII. */
static void printable(const char *text, char *out, size_t out_size)
{
    size_t n = 0;
    for (const char *p = text; *p != '\0' && n + 1 < out_size; p++)
        out[n++] = *p >= 0x20 && *p < 0x7f && *p != '\'' ? *p : '?';
    out[n] = '\0';
}

/* RFC 9068 access tokens say at+jwt, most others JWT; anything else (JOSE, a nested or encrypted type) is another
 * kind of object that happens to be signed by a trusted key, and must not be taken for an access token. */
static sts_jwt_result_t check_type(yajl_val header, char *why, size_t why_size)
{
    yajl_val typ = get(header, "typ", yajl_t_any);
    if (typ == NULL)
        return STS_JWT_OK;
    if (!YAJL_IS_STRING(typ)) {
        snprintf(why, why_size, "typ is not a string: expected JWT or at+jwt");
        return STS_JWT_BAD_TYPE;
    }
    const char *value = YAJL_GET_STRING(typ);
    const char *media = strncasecmp(value, "application/", 12) == 0 ? value + 12 : value;
    if (strcasecmp(media, "JWT") == 0 || strcasecmp(media, "at+jwt") == 0)
        return STS_JWT_OK;
    char shown[48];
    printable(value, shown, sizeof(shown));
    snprintf(why, why_size, "typ '%s' is not accepted: expected JWT or at+jwt", shown);
    return STS_JWT_BAD_TYPE;
}

/* A token with a kid uses that key; one without may use any key; PEM keys have no kid and serve both. */
static int could_verify(const sts_jwk_t *key, const char *kid, sts_jwt_alg_t alg)
{
    int kid_fits = key->kid == NULL || kid == NULL || strcmp(key->kid, kid) == 0;
    return kid_fits && (key->algs & alg) != 0;
}

/* Tries the keys the header points at; the result says which check failed. */
static sts_jwt_result_t check_signature(const sts_jwk_set_t *keys, yajl_val header, const char *token,
                                        size_t signed_len, const unsigned char *sig, size_t sig_len, char *why,
                                        size_t why_size)
{
    yajl_val alg_value = get(header, "alg", yajl_t_string);
    yajl_val kid_value = get(header, "kid", yajl_t_string);
    const char *alg_name = alg_value != NULL ? YAJL_GET_STRING(alg_value) : "";
    const char *kid = kid_value != NULL ? YAJL_GET_STRING(kid_value) : NULL;
    sts_jwt_alg_t alg = sts_jwt_alg_from_name(alg_name);
    char shown[72];
    if (alg == 0) {
        printable(alg_name, shown, 17);
        snprintf(why, why_size, "algorithm '%s' is not accepted", shown);
        return STS_JWT_BAD_ALGORITHM;
    }
    if (get(header, "crit", yajl_t_any) != NULL) {
        snprintf(why, why_size, "malformed: critical header extensions are not supported");
        return STS_JWT_MALFORMED;
    }
    int kid_known = 0, candidates = 0;
    for (size_t i = 0; keys != NULL && i < keys->count; i++) {
        kid_known |= keys->keys[i].kid != NULL && kid != NULL && strcmp(keys->keys[i].kid, kid) == 0;
        candidates += could_verify(&keys->keys[i], kid, alg);
    }
    if (kid == NULL && candidates > STS_JWT_MAX_KIDLESS_KEYS) {
        snprintf(why, why_size, "the token has no kid and %d keys could verify it; the issuer must send kid",
                 candidates);
        return STS_JWT_KID_REQUIRED;
    }
    for (size_t i = 0; candidates > 0 && i < keys->count; i++) {
        const sts_jwk_t *key = &keys->keys[i];
        if (could_verify(key, kid, alg) && verify_signature(key->key, alg, token, signed_len, sig, sig_len))
            return STS_JWT_OK;
    }
    if (candidates > 0) {
        snprintf(why, why_size, "bad signature");
        return STS_JWT_BAD_SIGNATURE;
    }
    printable(kid != NULL ? kid : "", shown, 65);
    if (kid_known) {
        snprintf(why, why_size, "algorithm %s is not allowed for key id '%s'", alg_name, shown);
        return STS_JWT_BAD_ALGORITHM;
    }
    if (kid != NULL) {
        snprintf(why, why_size, "unknown key id '%s'", shown);
        return STS_JWT_UNKNOWN_KID;
    }
    snprintf(why, why_size, "no configured key accepts algorithm %s", alg_name);
    return STS_JWT_BAD_ALGORITHM;
}

static void format_time(long long seconds, char out[STS_TIME_ISO_MAX])
{
    if (sts_time_format_rfc3339((sts_time_us_t)seconds * 1000000, 0, out, STS_TIME_ISO_MAX) < 0)
        snprintf(out, STS_TIME_ISO_MAX, "%lld", seconds);
}

static sts_jwt_result_t check_times(yajl_val claims, long long now, long leeway, long long *expires_at, char *why,
                                    size_t why_size)
{
    long long exp = 0, nbf = 0, iat = 0;
    char when[STS_TIME_ISO_MAX];
    int has_exp = numeric_date(claims, "exp", 0, &exp, why, why_size);
    if (has_exp == 0)
        snprintf(why, why_size, "malformed: the token has no numeric exp claim");
    int has_nbf = has_exp > 0 ? numeric_date(claims, "nbf", 1, &nbf, why, why_size) : 0;
    int has_iat = has_exp > 0 && has_nbf >= 0 ? numeric_date(claims, "iat", 1, &iat, why, why_size) : 0;
    if (has_exp <= 0 || has_nbf < 0 || has_iat < 0)
        return STS_JWT_MALFORMED;
    if (leeway < 0)
        leeway = 0;
    /* Claims are within 0..STS_JWT_MAX_NUMERIC_DATE, so these differences cannot overflow; a sum with leeway could. */
    if (now > exp && now - exp > leeway) {
        format_time(exp, when);
        snprintf(why, why_size, "expired at %s", when);
        return STS_JWT_EXPIRED;
    }
    if (has_nbf && nbf > now && nbf - now > leeway) {
        format_time(nbf, when);
        snprintf(why, why_size, "not yet valid: not before %s", when);
        return STS_JWT_NOT_YET_VALID;
    }
    if (has_iat && iat > now && iat - now > leeway) {
        format_time(iat, when);
        snprintf(why, why_size, "not yet valid: issued in the future, at %s", when);
        return STS_JWT_NOT_YET_VALID;
    }
    *expires_at = exp;
    return STS_JWT_OK;
}

static int listed(const char *value, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(value, list[i]) == 0)
            return 1;
    }
    return 0;
}

static sts_jwt_result_t check_parties(yajl_val claims, const sts_jwt_rules_t *rules, char *why, size_t why_size)
{
    if (!rules->any_issuer) {
        yajl_val iss = get(claims, "iss", yajl_t_string);
        if (iss == NULL || !listed(YAJL_GET_STRING(iss), rules->issuers, rules->issuer_count)) {
            snprintf(why, why_size, "wrong issuer '%.128s'", iss != NULL ? YAJL_GET_STRING(iss) : "(none)");
            return STS_JWT_WRONG_ISSUER;
        }
    }
    if (!rules->any_audience) {
        yajl_val aud = get(claims, "aud", yajl_t_any);
        int ok = 0;
        if (aud != NULL && YAJL_IS_STRING(aud))
            ok = listed(YAJL_GET_STRING(aud), rules->audiences, rules->audience_count);
        for (size_t i = 0; aud != NULL && YAJL_IS_ARRAY(aud) && i < aud->u.array.len && !ok; i++) {
            yajl_val one = aud->u.array.values[i];
            ok = YAJL_IS_STRING(one) && listed(YAJL_GET_STRING(one), rules->audiences, rules->audience_count);
        }
        if (!ok) {
            snprintf(why, why_size, "wrong audience: none of the token's audiences is accepted");
            return STS_JWT_WRONG_AUDIENCE;
        }
    }
    return STS_JWT_OK;
}

/* Follows a dotted path of object members; NULL when any step is missing. */
static yajl_val follow(yajl_val node, const char *path, const char *audience)
{
    char buffer[256];
    snprintf(buffer, sizeof(buffer), "%s", path);
    char *save = NULL;
    for (char *step = strtok_r(buffer, ".", &save); step != NULL && node != NULL; step = strtok_r(NULL, ".", &save)) {
        const char *name = strcmp(step, "<audience>") == 0 ? audience : step;
        node = name != NULL ? get(node, name, yajl_t_any) : NULL;
    }
    return node;
}

static void add_roles(sts_jwt_identity_t *identity, yajl_val array)
{
    if (array == NULL || !YAJL_IS_ARRAY(array))
        return;
    for (size_t i = 0; i < array->u.array.len; i++) {
        yajl_val role = array->u.array.values[i];
        if (!YAJL_IS_STRING(role))
            continue;
        char **grown = realloc(identity->roles, (identity->role_count + 1) * sizeof(char *));
        if (grown == NULL)
            sts_log_fatal("out of memory");
        identity->roles = grown;
        identity->roles[identity->role_count++] = sts_strdup(YAJL_GET_STRING(role));
    }
}

static void extract_identity(yajl_val claims, const sts_jwt_rules_t *rules, long long expires_at,
                             sts_jwt_identity_t *identity)
{
    memset(identity, 0, sizeof(*identity));
    yajl_val sub = get(claims, "sub", yajl_t_string);
    yajl_val iss = get(claims, "iss", yajl_t_string);
    yajl_val name = get(claims, rules->username_claim, yajl_t_string);
    identity->subject = sts_strdup(sub != NULL ? YAJL_GET_STRING(sub) : "");
    identity->issuer = sts_strdup(iss != NULL ? YAJL_GET_STRING(iss) : "");
    identity->username = sts_strdup(name != NULL ? YAJL_GET_STRING(name) : identity->subject);
    identity->expires_at = expires_at;
    for (size_t p = 0; p < rules->role_path_count; p++) {
        const char *path = rules->role_paths[p];
        if (strstr(path, "<audience>") == NULL) {
            add_roles(identity, follow(claims, path, NULL));
            continue;
        }
        for (size_t a = 0; a < rules->audience_count; a++)
            add_roles(identity, follow(claims, path, rules->audiences[a]));
    }
}

sts_jwt_result_t sts_jwt_verify(const sts_jwk_set_t *keys, const sts_jwt_rules_t *rules, const char *token, size_t len,
                                long long now, sts_jwt_identity_t *identity, char *why, size_t why_size)
{
    if (len > STS_JWT_MAX_CHARS) {
        snprintf(why, why_size, "malformed: the token is longer than %d characters", STS_JWT_MAX_CHARS);
        return STS_JWT_MALFORMED;
    }
    const char *first = memchr(token, '.', len);
    const char *second = first != NULL ? memchr(first + 1, '.', len - (size_t)(first + 1 - token)) : NULL;
    if (second == NULL || memchr(second + 1, '.', len - (size_t)(second + 1 - token)) != NULL) {
        snprintf(why, why_size, "malformed: a JWT has three dot-separated parts");
        return STS_JWT_MALFORMED;
    }
    yajl_val header = parse_object(token, (size_t)(first - token));
    yajl_val claims = parse_object(first + 1, (size_t)(second - first - 1));
    size_t sig_len = 0;
    char *sig = decode_part(second + 1, len - (size_t)(second + 1 - token), &sig_len);
    sts_jwt_result_t result = STS_JWT_OK;
    if (header == NULL || claims == NULL || sig == NULL) {
        snprintf(why, why_size, "malformed: the %s is not valid base64url%s",
                 header == NULL   ? "header"
                 : claims == NULL ? "payload"
                                  : "signature",
                 sig == NULL ? "" : " JSON");
        result = STS_JWT_MALFORMED;
    }
    if (result == STS_JWT_OK)
        result = check_type(header, why, why_size);
    if (result == STS_JWT_OK)
        result = check_signature(keys, header, token, (size_t)(second - token), (const unsigned char *)sig, sig_len,
                                 why, why_size);
    long long expires_at = 0;
    if (result == STS_JWT_OK)
        result = check_times(claims, now, rules->leeway_seconds, &expires_at, why, why_size);
    if (result == STS_JWT_OK)
        result = check_parties(claims, rules, why, why_size);
    if (result == STS_JWT_OK)
        extract_identity(claims, rules, expires_at, identity);
    yajl_tree_free(header);
    yajl_tree_free(claims);
    free(sig);
    return result;
}

void sts_jwt_identity_dispose(sts_jwt_identity_t *identity)
{
    free(identity->subject);
    free(identity->issuer);
    free(identity->username);
    for (size_t i = 0; i < identity->role_count; i++)
        free(identity->roles[i]);
    free(identity->roles);
    memset(identity, 0, sizeof(*identity));
}
