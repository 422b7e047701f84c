#include "auth/jwt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "auth/jwt_header.h"
#include "crypto/access_jwt.h"
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
    yajl_val sid = get(claims, "sid", yajl_t_string);
    identity->session_id = sts_strdup(sid != NULL ? YAJL_GET_STRING(sid) : "");
    yajl_val client_id = get(claims, "client_id", yajl_t_string);
    identity->client_id = sts_strdup(client_id != NULL ? YAJL_GET_STRING(client_id) : "");
    yajl_val jti = get(claims, "jti", yajl_t_string);
    identity->jti = sts_strdup(jti != NULL ? YAJL_GET_STRING(jti) : "");
    yajl_val scope = get(claims, "scope", yajl_t_string);
    identity->scope = sts_strdup(scope != NULL ? YAJL_GET_STRING(scope) : "");
    /* The service's own tokens carry the milliseconds in a private claim; others have only iat, whole seconds. */
    yajl_val iat = get(claims, "iat", yajl_t_any);
    yajl_val issued_ms = get(claims, STS_ACCESS_JWT_ISSUED_MS_CLAIM, yajl_t_any);
    if (issued_ms != NULL && YAJL_IS_INTEGER(issued_ms))
        identity->issued_at_ms = YAJL_GET_INTEGER(issued_ms);
    else if (iat != NULL && YAJL_IS_INTEGER(iat))
        identity->issued_at_ms = YAJL_GET_INTEGER(iat) * 1000;
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
        result = sts__jwt_check_header(keys, header, token, (size_t)(second - token), (const unsigned char *)sig,
                                       sig_len, why, why_size);
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

int sts_jwt_peek_kid(const char *token, size_t len, char *kid, size_t kid_size)
{
    const char *dot = len <= STS_JWT_MAX_CHARS ? memchr(token, '.', len) : NULL;
    yajl_val header = dot != NULL ? parse_object(token, (size_t)(dot - token)) : NULL;
    yajl_val value = header != NULL ? get(header, "kid", yajl_t_string) : NULL;
    const char *text = value != NULL ? YAJL_GET_STRING(value) : NULL;
    int rc = text != NULL && strlen(text) < kid_size ? 0 : -1;
    if (rc == 0)
        snprintf(kid, kid_size, "%s", text);
    yajl_tree_free(header);
    return rc;
}

void sts_jwt_identity_dispose(sts_jwt_identity_t *identity)
{
    free(identity->subject);
    free(identity->issuer);
    free(identity->username);
    free(identity->session_id);
    free(identity->client_id);
    free(identity->jti);
    free(identity->scope);
    for (size_t i = 0; i < identity->role_count; i++)
        free(identity->roles[i]);
    free(identity->roles);
    memset(identity, 0, sizeof(*identity));
}
